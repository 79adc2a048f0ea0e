//! The local journal of printed orders: an append-only file, synced on
//! every record, so that after a crash (or a redelivery) the device knows a
//! ticket may already be on paper and prints it again only as REPRINT.
//!
//! Records, one per line: `A order entry` (about to send: from now on it may
//! be on paper), `U order` (refused before anything was sent), `P order
//! entry` (confirmed printed), `C order` (the server has the print on
//! record: see [`crate::confirm`]).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// Orders remembered; older ones are dropped when the file is compacted.
const KEEP: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    maybe_printed: bool,
    confirmed_entry: Option<String>,
    /// The server has this print on record.
    reported: bool,
    seq: u64,
}

pub struct Journal {
    path: PathBuf,
    file: File,
    orders: HashMap<i64, Record>,
    seq: u64,
    lines: usize,
}

impl Journal {
    /// Open (or create) `dir/journal-{station}.log`.
    pub fn open(dir: &Path, station: &str) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("journal-{station}.log"));
        let mut orders = HashMap::new();
        let mut seq = 0;
        let mut lines = 0;
        if let Ok(f) = File::open(&path) {
            for line in BufReader::new(f).lines() {
                let line = line?;
                lines += 1;
                seq += 1;
                // A torn last line (crash mid-write) is simply skipped.
                let mut parts = line.split_whitespace();
                let (Some(kind), Some(Ok(order))) = (parts.next(), parts.next().map(str::parse))
                else {
                    continue;
                };
                let entry = parts.next().map(str::to_owned);
                apply(&mut orders, kind, order, entry, seq);
            }
        }
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let mut journal = Self {
            path,
            file,
            orders,
            seq,
            lines,
        };
        if journal.lines > 2 * KEEP {
            journal.compact()?;
        }
        Ok(journal)
    }

    /// Whether the order may already be on paper (a print was sent or confirmed).
    pub fn maybe_printed(&self, order_id: i64) -> bool {
        self.orders.get(&order_id).is_some_and(|r| r.maybe_printed)
    }

    /// The entry whose print of this order was confirmed, if any.
    pub fn confirmed_entry(&self, order_id: i64) -> Option<&str> {
        self.orders
            .get(&order_id)
            .and_then(|r| r.confirmed_entry.as_deref())
    }

    /// Orders printed here that the server does not have on record yet,
    /// oldest first.
    pub fn unreported(&self) -> Vec<i64> {
        let mut orders: Vec<(u64, i64)> = self
            .orders
            .iter()
            .filter(|(id, r)| **id > 0 && r.confirmed_entry.is_some() && !r.reported)
            .map(|(id, r)| (r.seq, *id))
            .collect();
        orders.sort_unstable();
        orders.into_iter().map(|(_, id)| id).collect()
    }

    /// The server has these prints on record (one sync for all of them).
    pub fn reported(&mut self, order_ids: &[i64]) -> io::Result<()> {
        let mut lines = String::new();
        for id in order_ids {
            lines.push_str(&format!("C {id}\n"));
        }
        self.file.write_all(lines.as_bytes())?;
        self.file.sync_data()?;
        for id in order_ids {
            self.seq += 1;
            self.lines += 1;
            apply(&mut self.orders, "C", *id, None, self.seq);
        }
        if self.lines > 2 * KEEP {
            self.compact()?;
        }
        Ok(())
    }

    pub fn sending(&mut self, order_id: i64, entry: &str) -> io::Result<()> {
        self.append("A", order_id, Some(entry))
    }

    pub fn not_sent(&mut self, order_id: i64) -> io::Result<()> {
        self.append("U", order_id, None)
    }

    pub fn printed(&mut self, order_id: i64, entry: &str) -> io::Result<()> {
        self.append("P", order_id, Some(entry))
    }

    fn append(&mut self, kind: &str, order_id: i64, entry: Option<&str>) -> io::Result<()> {
        let line = match entry {
            Some(e) => format!("{kind} {order_id} {e}\n"),
            None => format!("{kind} {order_id}\n"),
        };
        self.file.write_all(line.as_bytes())?;
        self.file.sync_data()?;
        self.seq += 1;
        self.lines += 1;
        apply(
            &mut self.orders,
            kind,
            order_id,
            entry.map(str::to_owned),
            self.seq,
        );
        if self.lines > 2 * KEEP {
            self.compact()?;
        }
        Ok(())
    }

    /// Rewrite the file with the newest `KEEP` orders (write, sync, rename).
    fn compact(&mut self) -> io::Result<()> {
        let mut newest: Vec<(&i64, &Record)> = self.orders.iter().collect();
        newest.sort_by_key(|(_, r)| std::cmp::Reverse(r.seq));
        newest.truncate(KEEP);
        let tmp = self.path.with_extension("log.tmp");
        let mut out = File::create(&tmp)?;
        let mut kept = HashMap::new();
        for (order, r) in newest.into_iter().rev() {
            match (&r.confirmed_entry, r.maybe_printed) {
                (Some(e), _) => writeln!(out, "P {order} {e}")?,
                (None, true) => writeln!(out, "A {order} -")?,
                (None, false) if r.reported => {}
                (None, false) => continue,
            }
            if r.reported {
                writeln!(out, "C {order}")?;
            }
            kept.insert(*order, r.clone());
        }
        out.sync_all()?;
        std::fs::rename(&tmp, &self.path)?;
        self.lines = kept.len();
        self.orders = kept;
        self.file = OpenOptions::new().append(true).open(&self.path)?;
        Ok(())
    }
}

fn apply(
    orders: &mut HashMap<i64, Record>,
    kind: &str,
    order: i64,
    entry: Option<String>,
    seq: u64,
) {
    let r = orders.entry(order).or_insert(Record {
        maybe_printed: false,
        confirmed_entry: None,
        reported: false,
        seq,
    });
    // A report does not make an order newer (compaction keeps the newest).
    if kind != "C" {
        r.seq = seq;
    }
    match kind {
        "A" => r.maybe_printed = true,
        // Refused before sending: unless an earlier print went out, it is not on paper.
        "U" => r.maybe_printed = r.confirmed_entry.is_some(),
        "P" => {
            r.maybe_printed = true;
            r.confirmed_entry = entry;
        }
        "C" => r.reported = true,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_survives_reopening_and_a_torn_last_line() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        {
            let mut j = Journal::open(dir.path(), "kitchen")?;
            j.sending(1, "1-0")?;
            j.printed(1, "1-0")?;
            j.sending(2, "2-0")?;
            j.sending(3, "3-0")?;
            j.not_sent(3)?;
        }
        let path = dir.path().join("journal-kitchen.log");
        let mut f = OpenOptions::new().append(true).open(&path)?;
        f.write_all(b"P 4")?; // torn: no entry, no newline — still a print of 4
        drop(f);
        let j = Journal::open(dir.path(), "kitchen")?;
        assert!(j.maybe_printed(1) && j.maybe_printed(2));
        assert!(!j.maybe_printed(3));
        assert!(!j.maybe_printed(5));
        assert_eq!(j.confirmed_entry(1), Some("1-0"));
        assert_eq!(j.confirmed_entry(2), None);
        Ok(())
    }

    #[test]
    fn prints_not_yet_on_the_server_survive_reopening_and_compaction() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        {
            let mut j = Journal::open(dir.path(), "kitchen")?;
            for order in 1..=4 {
                j.sending(order, &format!("{order}-0"))?;
                j.printed(order, &format!("{order}-0"))?;
            }
            j.sending(-7, "5-0")?; // a void: never reported
            j.printed(-7, "5-0")?;
            j.sending(5, "6-0")?; // may be on paper, not confirmed: not reported
            assert_eq!(j.unreported(), [1, 2, 3, 4]);
            j.reported(&[1, 3])?;
            assert_eq!(j.unreported(), [2, 4]);
        }
        let mut j = Journal::open(dir.path(), "kitchen")?;
        assert_eq!(j.unreported(), [2, 4]);
        j.compact()?;
        let j = Journal::open(dir.path(), "kitchen")?;
        assert_eq!(j.unreported(), [2, 4], "compaction keeps what was reported");
        assert_eq!(j.confirmed_entry(3), Some("3-0"));
        Ok(())
    }

    #[test]
    fn stations_keep_separate_journals() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut k = Journal::open(dir.path(), "kitchen")?;
        k.printed(9, "9-0")?;
        let b = Journal::open(dir.path(), "bar")?;
        assert!(!b.maybe_printed(9));
        Ok(())
    }
}
