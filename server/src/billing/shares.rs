//! A bill in shares: by person (what each diner added), evenly, or by the
//! lines staff assigned (`split=items`) — each with its `id`, what was paid
//! against it and what is still due. Amounts come from `split.rs`, so the
//! shares always sum to the bill exactly.

use std::collections::BTreeMap;

use qrorder_shared::bill::{Bill, BillItem, BillLine, BillShare, ShareKind};
use qrorder_shared::order::{Diner, OrderLine};
use qrorder_shared::payment::ItemShare;
use qrorder_shared::{Currency, Money};

use super::split;
use crate::infra::db::to_json;

/// How a bill is divided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Person,
    Even(usize),
    Items,
}

impl Split {
    /// The split a share's id belongs to: `diner:…`/`table` by person,
    /// `even:i/n` evenly in n, `items:i`/`unassigned` by items.
    pub fn of_share(id: &str) -> Option<Split> {
        if id == "table" || id.strip_prefix("diner:").is_some_and(|c| !c.is_empty()) {
            return Some(Split::Person);
        }
        if id == "unassigned"
            || id
                .strip_prefix("items:")
                .is_some_and(|i| i.parse::<u32>().is_ok())
        {
            return Some(Split::Items);
        }
        let (i, n) = id.strip_prefix("even:")?.split_once('/')?;
        let (i, n) = (i.parse::<usize>().ok()?, n.parse::<usize>().ok()?);
        ((1..=n).contains(&i) && (2..=super::MAX_WAYS as usize).contains(&n))
            .then_some(Split::Even(n))
    }
}

/// Same name, options and unit price make one line.
pub fn merge<'a>(
    lines: impl IntoIterator<Item = &'a OrderLine>,
    currency: Currency,
) -> Vec<BillLine> {
    let mut merged: BTreeMap<String, BillLine> = BTreeMap::new();
    for line in lines {
        let key = to_json(&(&line.name, &line.options, line.unit_price.amount_minor));
        let entry = merged.entry(key).or_insert_with(|| BillLine {
            name: line.name.clone(),
            options: line.options.clone(),
            qty: 0,
            unit_price: line.unit_price,
            line_total: Money::new(0, currency),
        });
        entry.qty += line.qty;
        entry.line_total.amount_minor += line.line_total.amount_minor;
    }
    merged.into_values().collect()
}

fn share(
    bill: &Bill,
    id: String,
    kind: ShareKind,
    name: String,
    lines: Vec<BillLine>,
    part: split::Part,
) -> BillShare {
    let currency = bill.total.currency;
    let paid: i64 = bill
        .payments
        .iter()
        .filter(|p| p.share.as_deref() == Some(id.as_str()))
        .map(|p| p.amount.amount_minor)
        .sum();
    BillShare {
        id,
        kind,
        name,
        diner: None,
        lines,
        subtotal: Money::new(part.subtotal, currency),
        tax: Money::new(part.tax, currency),
        total: Money::new(part.total, currency),
        paid: Money::new(paid, currency),
        due: Money::new((part.total - paid).max(0), currency),
    }
}

/// A share per diner (in the order they first appear on the bill, named as
/// they last ordered) and one for the table's lines, if it has any.
pub fn by_person(bill: &Bill) -> Vec<BillShare> {
    let currency = bill.total.currency;
    // client_id → (the diner as last seen, their lines); `None`: the table.
    let mut owners: Vec<Option<String>> = Vec::new();
    let mut groups: BTreeMap<Option<String>, (Option<Diner>, Vec<&OrderLine>)> = BTreeMap::new();
    for line in bill.orders.iter().flat_map(|o| &o.items) {
        let owner = line.added_by.as_ref().map(|d| d.client_id.clone());
        let group = groups.entry(owner.clone()).or_insert_with(|| {
            owners.push(owner.clone());
            (None, Vec::new())
        });
        if line.added_by.is_some() {
            group.0 = line.added_by.clone();
        }
        group.1.push(line);
    }
    // The table's share last.
    owners.sort_by_key(Option::is_none);
    let subtotals: Vec<i64> = owners
        .iter()
        .map(|o| groups[o].1.iter().map(|l| l.line_total.amount_minor).sum())
        .collect();
    let parts = split::by_subtotals(&subtotals, bill.tax.amount_minor, bill.tax_included);
    owners
        .iter()
        .zip(parts)
        .map(|(owner, part)| {
            let (diner, lines) = &groups[owner];
            let (id, kind, name) = match diner {
                Some(d) => (
                    format!("diner:{}", d.client_id),
                    ShareKind::Diner,
                    d.nickname.clone(),
                ),
                None => (
                    "table".to_owned(),
                    ShareKind::Table,
                    bill.table_name.clone(),
                ),
            };
            let mut s = share(
                bill,
                id,
                kind,
                name,
                merge(lines.iter().copied(), currency),
                part,
            );
            s.diner = diner.clone();
            s
        })
        .collect()
}

/// `ways` equal shares of the total, at most one minor unit apart.
pub fn evenly(bill: &Bill, ways: usize) -> Vec<BillShare> {
    split::even(
        bill.total.amount_minor,
        bill.tax.amount_minor,
        bill.tax_included,
        ways,
    )
    .into_iter()
    .enumerate()
    .map(|(i, part)| {
        let name = format!("{}/{ways}", i + 1);
        share(
            bill,
            format!("even:{name}"),
            ShareKind::Even,
            name,
            Vec::new(),
            part,
        )
    })
    .collect()
}

/// The shares staff assigned lines to, then `unassigned` for the lines in
/// none (if any). A line in several shares is divided between them by
/// largest remainder; `items` get the ids of the shares they are in.
pub fn by_items(bill: &Bill, items: &mut [BillItem], assigned: &[ItemShare]) -> Vec<BillShare> {
    let currency = bill.total.currency;
    let n = assigned.len();
    // Share index (n: unassigned) → (its lines, its subtotal).
    let mut lines: Vec<Vec<BillLine>> = vec![Vec::new(); n + 1];
    let mut subtotals = vec![0i64; n + 1];
    for item in items.iter_mut() {
        let mut holders: Vec<usize> = (0..n)
            .filter(|&s| assigned[s].line_ids.contains(&item.line_id))
            .collect();
        if holders.is_empty() {
            holders.push(n);
        }
        let parts = split::allocate(item.line_total.amount_minor, &vec![1; holders.len()]);
        for (&s, part) in holders.iter().zip(parts) {
            subtotals[s] += part;
            lines[s].push(BillLine {
                name: item.name.clone(),
                options: Vec::new(),
                qty: item.qty,
                unit_price: Money::new(part, currency),
                line_total: Money::new(part, currency),
            });
        }
        item.shares = holders
            .iter()
            .map(|&s| {
                if s == n {
                    "unassigned".to_owned()
                } else {
                    format!("items:{}", s + 1)
                }
            })
            .collect();
    }
    let parts = split::by_subtotals(&subtotals, bill.tax.amount_minor, bill.tax_included);
    let mut out = Vec::new();
    for (s, (part, lines)) in parts.into_iter().zip(lines).enumerate() {
        if s == n {
            if !lines.is_empty() || n == 0 {
                out.push(share(
                    bill,
                    "unassigned".to_owned(),
                    ShareKind::Unassigned,
                    String::new(),
                    lines,
                    part,
                ));
            }
        } else {
            out.push(share(
                bill,
                format!("items:{}", s + 1),
                ShareKind::Items,
                assigned[s].name.clone(),
                lines,
                part,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_id_names_its_split() {
        assert_eq!(Split::of_share("diner:ann-1"), Some(Split::Person));
        assert_eq!(Split::of_share("table"), Some(Split::Person));
        assert_eq!(Split::of_share("even:2/3"), Some(Split::Even(3)));
        assert_eq!(Split::of_share("items:4"), Some(Split::Items));
        assert_eq!(Split::of_share("unassigned"), Some(Split::Items));
        for bad in [
            "diner:",
            "even:4/3",
            "even:0/3",
            "even:1/1",
            "even:1/51",
            "items:x",
            "whole",
            "",
        ] {
            assert_eq!(Split::of_share(bad), None, "{bad}");
        }
    }
}
