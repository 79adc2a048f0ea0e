//! Every Redis key the device touches, built here and nowhere else.
//! The `{restaurant}` hash tag keeps a restaurant's keys on one Redis
//! Cluster slot.

/// `{prefix}:orders:{{restaurant}}`: the kitchen stream.
pub fn orders_stream(prefix: &str, restaurant_id: i64) -> String {
    format!("{prefix}:orders:{{{restaurant_id}}}")
}

/// `{prefix}:orders:{{restaurant}}:dead`: entries no device could handle.
pub fn dead_letters(prefix: &str, restaurant_id: i64) -> String {
    format!("{}:dead", orders_stream(prefix, restaurant_id))
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_carry_the_restaurant_hash_tag() {
        assert_eq!(super::orders_stream("qrorder", 7), "qrorder:orders:{7}");
        assert_eq!(super::dead_letters("qrorder", 7), "qrorder:orders:{7}:dead");
    }
}
