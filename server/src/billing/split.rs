//! Splitting a bill into shares that sum to it exactly: amounts are
//! divided by largest remainder, so not one minor unit is lost or invented.
//! Pure arithmetic, no I/O.

/// Divides `amount` into parts proportional to `weights` (all ≥ 0): each
/// part is its exact share rounded down, and the units left over go one
/// each to the parts with the largest remainders (ties: the earlier part).
/// The parts sum to `amount`; each is within one unit of its exact share.
/// Weights that are all zero count as equal.
pub fn allocate(amount: i64, weights: &[i64]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let mut w: Vec<i128> = weights.iter().map(|&x| i128::from(x.max(0))).collect();
    if w.iter().all(|&x| x == 0) {
        w = vec![1; w.len()];
    }
    let total_weight: i128 = w.iter().sum();
    let amount = i128::from(amount);
    let mut parts: Vec<i128> = Vec::with_capacity(w.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(w.len());
    for (i, &wi) in w.iter().enumerate() {
        let exact = amount * wi;
        parts.push(exact.div_euclid(total_weight));
        remainders.push((exact.rem_euclid(total_weight), i));
    }
    let left = amount - parts.iter().sum::<i128>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().take(usize::try_from(left).unwrap_or(0)) {
        parts[i] += 1;
    }
    parts
        .into_iter()
        .map(|p| i64::try_from(p).unwrap_or(i64::MAX))
        .collect()
}

/// One share's amounts, in minor units: `total = subtotal + tax` when tax
/// is added to the prices, `total = subtotal` when it is included in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub subtotal: i64,
    pub tax: i64,
    pub total: i64,
}

/// Shares of what each one ordered (`subtotals`, which sum to the bill's
/// subtotal): the bill's `tax` divided in proportion to them.
pub fn by_subtotals(subtotals: &[i64], tax: i64, included: bool) -> Vec<Part> {
    allocate(tax, subtotals)
        .into_iter()
        .zip(subtotals)
        .map(|(tax, &subtotal)| Part {
            subtotal,
            tax,
            total: if included { subtotal } else { subtotal + tax },
        })
        .collect()
}

/// `ways` equal shares of the bill's `total` (at most one unit apart, the
/// larger ones first), each with its part of the `tax`.
pub fn even(total: i64, tax: i64, included: bool, ways: usize) -> Vec<Part> {
    let totals = allocate(total, &vec![1; ways]);
    allocate(tax, &totals)
        .into_iter()
        .zip(totals)
        .map(|(tax, total)| Part {
            subtotal: if included { total } else { total - tax },
            tax,
            total,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use qrorder_shared::bill::tax_and_total;

    use super::*;

    #[test]
    fn leftover_units_go_to_the_largest_remainders() {
        assert_eq!(allocate(100, &[1, 1, 1]), [34, 33, 33]);
        assert_eq!(allocate(10, &[1, 2, 3, 4]), [1, 2, 3, 4]);
        // 7 × 1/6, 2/6, 3/6 = 1.17, 2.33, 3.5: the .5 and .33 get the units.
        assert_eq!(allocate(7, &[1, 2, 3]), [1, 2, 4]);
        assert_eq!(allocate(0, &[5, 0, 5]), [0, 0, 0]);
        assert_eq!(allocate(5, &[0, 0]), [3, 2], "no weights: equal");
        assert_eq!(allocate(5, &[0, 4]), [0, 5]);
        assert!(allocate(5, &[]).is_empty());
    }

    #[test]
    fn three_people_with_tax_added_pay_exactly_the_bill() {
        // 10 % added on 10 001 + 3 333 + 1 = 13 335 → tax 1 334 (rounded half up).
        let (tax, total) = tax_and_total(13_335, 1000, false);
        assert_eq!((tax, total), (1_334, 14_669));
        let parts = by_subtotals(&[10_001, 3_333, 1], tax, false);
        // Exact shares 1 000.47, 333.42, 0.10: the one unit left goes to the .47.
        assert_eq!(
            parts.iter().map(|p| p.tax).collect::<Vec<_>>(),
            [1_001, 333, 0]
        );
        assert_eq!(parts.iter().map(|p| p.total).sum::<i64>(), total);
    }

    #[test]
    fn tax_included_shares_are_their_subtotals() {
        let (tax, total) = tax_and_total(18_000, 1000, true);
        let parts = by_subtotals(&[14_000, 4_000], tax, true);
        assert_eq!(
            parts,
            [
                Part {
                    subtotal: 14_000,
                    tax: 1_272,
                    total: 14_000
                },
                Part {
                    subtotal: 4_000,
                    tax: 364,
                    total: 4_000
                }
            ]
        );
        assert_eq!(parts.iter().map(|p| p.tax).sum::<i64>(), tax);
        assert_eq!(parts.iter().map(|p| p.total).sum::<i64>(), total);
    }

    #[test]
    fn a_total_not_divisible_by_three_splits_one_unit_apart() {
        let (tax, total) = tax_and_total(10_000, 1000, false);
        let parts = even(total, tax, false, 3);
        assert_eq!(
            parts.iter().map(|p| p.total).collect::<Vec<_>>(),
            [3_667, 3_667, 3_666]
        );
        assert_eq!(parts.iter().map(|p| p.tax).sum::<i64>(), 1_000);
        assert_eq!(parts.iter().map(|p| p.subtotal).sum::<i64>(), 10_000);
        assert!(parts.iter().all(|p| p.subtotal + p.tax == p.total));
    }

    proptest! {
        #[test]
        fn shares_by_person_sum_to_the_bill(
            subtotals in prop::collection::vec(0i64..50_000_000, 1..30),
            rate in 0u32..=10_000,
            included: bool,
        ) {
            let subtotal: i64 = subtotals.iter().sum();
            let (tax, total) = tax_and_total(subtotal, rate, included);
            let parts = by_subtotals(&subtotals, tax, included);
            prop_assert_eq!(parts.iter().map(|p| p.subtotal).sum::<i64>(), subtotal);
            prop_assert_eq!(parts.iter().map(|p| p.tax).sum::<i64>(), tax);
            prop_assert_eq!(parts.iter().map(|p| p.total).sum::<i64>(), total);
            for (p, &s) in parts.iter().zip(&subtotals) {
                // Within one unit of the exact share of the tax.
                let exact = i128::from(tax) * i128::from(s);
                let got = i128::from(p.tax) * i128::from(subtotal.max(1));
                prop_assert!((got - exact).abs() < i128::from(subtotal.max(1)), "{p:?} of {s}");
                prop_assert!(p.tax >= 0 && p.subtotal >= 0);
                prop_assert_eq!(p.total, if included { p.subtotal } else { p.subtotal + p.tax });
            }
        }

        #[test]
        fn even_shares_sum_to_the_bill_at_most_one_unit_apart(
            subtotal in 0i64..1_000_000_000_000,
            rate in 0u32..=10_000,
            included: bool,
            ways in 2usize..=50,
        ) {
            let (tax, total) = tax_and_total(subtotal, rate, included);
            let parts = even(total, tax, included, ways);
            prop_assert_eq!(parts.len(), ways);
            prop_assert_eq!(parts.iter().map(|p| p.total).sum::<i64>(), total);
            prop_assert_eq!(parts.iter().map(|p| p.tax).sum::<i64>(), tax);
            prop_assert_eq!(parts.iter().map(|p| p.subtotal).sum::<i64>(), subtotal);
            let max = parts.iter().map(|p| p.total).max().unwrap_or(0);
            let min = parts.iter().map(|p| p.total).min().unwrap_or(0);
            prop_assert!(max - min <= 1, "{min}..{max}");
            for p in &parts {
                prop_assert!(p.tax >= 0 && p.subtotal >= 0, "{p:?}");
                prop_assert_eq!(p.total, if included { p.subtotal } else { p.subtotal + p.tax });
            }
        }
    }
}
