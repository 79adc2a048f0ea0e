//! Lists the assets of the two pages: every file in `server/web/` (the
//! diners' page) and in `server/console/` (the owners' and staff's console)
//! but the page template (`index.html`, which `page.rs` includes itself),
//! written to `$OUT_DIR/{folder}_assets.rs` as `(name, include_bytes!(…))`
//! pairs sorted by name, so that a file added there is served without
//! naming it twice. Each folder is flat: assets are served as
//! `{prefix}/{version}/{name}`.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs, io};

const TEMPLATE: &str = "index.html";

fn main() -> io::Result<()> {
    for folder in ["web", "console"] {
        list(folder)?;
    }
    Ok(())
}

fn list(folder: &str) -> io::Result<()> {
    println!("cargo:rerun-if-changed={folder}");
    let web = Path::new(&env::var("CARGO_MANIFEST_DIR").map_err(io::Error::other)?).join(folder);
    let mut names = Vec::new();
    for entry in fs::read_dir(&web)? {
        let entry = entry?;
        let name = entry.file_name().into_string().map_err(|name| {
            io::Error::other(format!(
                "server/{folder}/{name:?}: asset names must be UTF-8"
            ))
        })?;
        // Editors' swap and backup files are not the page's.
        if name.starts_with('.') || name == TEMPLATE {
            continue;
        }
        if !entry.file_type()?.is_file() {
            return Err(io::Error::other(format!(
                "server/{folder}/{name}: not a file; a page's assets are one flat folder"
            )));
        }
        names.push(name);
    }
    names.sort();

    let mut list = String::from("&[\n");
    for name in &names {
        let path = web.join(name);
        let path = path
            .to_str()
            .ok_or_else(|| io::Error::other(format!("{}: not UTF-8", path.display())))?;
        writeln!(list, "    ({name:?}, include_bytes!({path:?})),").map_err(io::Error::other)?;
    }
    list.push_str("]\n");
    let out = Path::new(&env::var("OUT_DIR").map_err(io::Error::other)?)
        .join(format!("{folder}_assets.rs"));
    fs::write(out, list)
}
