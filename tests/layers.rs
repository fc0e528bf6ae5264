//! The modules of `src/` form layers: a module uses only the modules below it, so
//! no two of them loop back on each other. This reads every `crate::` path in the
//! source (test code aside) and fails on one that points up or sideways. Folders
//! with layers of their own (see [`INNER`]) are held to those the same way.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top to bottom. Each module may use only those after it. `setup` is the worker
/// of the `setup` command and `doctor` of `doctor`; `release` finds, verifies and
/// installs releases (for `update` and `doctor`); `http` is what the API and sign-in clients share;
/// `config` and the leaves below it are plain data and small tools.
const LAYERS: &[&str] = &[
    "main",
    "commands",
    "doctor",
    "setup",
    "server",
    "prompts",
    "tools",
    "api",
    "auth",
    "release",
    "http",
    "config",
    "logging",
    "transport",
    "terminal",
    "untrusted",
    "files",
    "platform",
    "time",
    "future",
    "cli",
    "secret",
    // Test-only helpers (`#[cfg(test)]`), below everything that uses them.
    "testing",
];

/// Folders of `src/` with layers of their own, each top to bottom by the first
/// part of a path under the folder; `mod` is the folder's own `mod.rs`, which
/// may use everything in it. A file reaches another part of its folder through
/// `crate::<folder>::`, `super::` (`super::super::` one level deeper) or, in
/// `mod.rs`, `self::`; a name there that is no part (an item `mod.rs` defines or
/// re-exports) counts as `mod`, so a lower file cannot lean on the catalog above it.
const INNER: &[(&str, &[&str])] = &[(
    "tools",
    // The catalog; the tools, one file per family; API failures in words; the
    // types every tool is made of; what a tool reads; what it answers.
    &["mod", "domain", "errors", "core", "input", "result", "peek"],
)];

#[test]
fn every_import_points_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    let mut seen = BTreeSet::new();
    for file in source_files(&src) {
        let from = top_module(&src, &file);
        seen.insert(from.clone());
        let text = std::fs::read_to_string(&file).unwrap();
        for to in imports(&without_test_code(&text)) {
            if let Some(why) = against_the_order(&from, &to) {
                let name = file.strip_prefix(&src).unwrap().display();
                wrong.push(format!("src/{name}: crate::{to}: {why}"));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    for module in &seen {
        if !LAYERS.contains(&module.as_str()) {
            wrong.push(format!("{module}: not in LAYERS; give it its place"));
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layer order:\n{}",
        wrong.join("\n")
    );
    assert!(seen.len() > 10, "read only {seen:?}");
}

#[test]
fn inside_a_layered_folder_every_import_points_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for (folder, layers) in INNER {
        let root = src.join(folder);
        let mut seen = BTreeSet::new();
        for file in source_files(&src).iter().filter(|f| f.starts_with(&root)) {
            let Some(part) = Part::of(&root, file) else {
                continue;
            };
            seen.insert(part.name.clone());
            let text = std::fs::read_to_string(file).unwrap();
            for to in part.imports(folder, layers, &without_test_code(&text)) {
                if let Some(why) = against(layers, &part.name, &to) {
                    let name = file.strip_prefix(&src).unwrap().display();
                    wrong.push(format!("src/{name}: {folder}::{to}: {why}"));
                }
            }
        }
        for part in &seen {
            if !layers.contains(&part.as_str()) {
                wrong.push(format!(
                    "src/{folder}/{part}: not in INNER; give it its place"
                ));
            }
        }
        assert!(seen.len() > 2, "read only {seen:?} in src/{folder}");
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports against a folder's layer order:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_inner_check_sees_an_import_that_runs_back_up() {
    let layers: &[&str] = &["mod", "domain", "core", "input"];
    let root = Path::new("src/tools");
    let core = Part::of(root, &root.join("core.rs")).unwrap();
    let code = "use super::input::args::Reader;\nuse super::{Tool, domain::pools};\n\
                fn f() { crate::tools::input::x(); }\n\
                #[cfg(test)]\nmod tests {\n    use super::*;\n}\n";
    let found = core.imports("tools", layers, &without_test_code(code));
    assert_eq!(found, ["input", "mod", "domain"]);
    let wrong: Vec<&String> = found
        .iter()
        .filter(|to| against(layers, &core.name, to).is_some())
        .collect();
    assert_eq!(wrong, ["mod", "domain"]);

    // One level deeper, `super::` stays in the part and `super::super::` leaves it.
    let pools = Part::of(root, &root.join("domain/pools.rs")).unwrap();
    let code =
        "use super::expenses::X;\nuse super::super::core::Tool;\nuse crate::tools::CATALOG;\n";
    assert_eq!(pools.imports("tools", layers, code), ["core", "mod"]);
    assert!(against(layers, "domain", "core").is_none());
    assert!(against(layers, "domain", "mod").is_some());
    assert!(against(layers, "domain", "domain").is_none());
    assert!(against(layers, "nowhere", "core").is_some());

    // In the folder's own mod.rs, `self::` names a part.
    let catalog = Part::of(root, &root.join("mod.rs")).unwrap();
    assert_eq!(
        catalog.imports("tools", layers, "use self::core::Run;\n"),
        ["core"]
    );
}

/// A file's place inside a layered folder: the part it belongs to, and how deep
/// it sits below the folder.
struct Part {
    name: String,
    depth: usize,
}

impl Part {
    /// `core` for `src/tools/core.rs`, `domain` for `src/tools/domain/pools.rs`.
    fn of(root: &Path, file: &Path) -> Option<Part> {
        let rel = file.strip_prefix(root).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let name = parts.first()?.trim_end_matches(".rs").to_string();
        // `src/tools/domain/mod.rs` sits where `src/tools/domain.rs` would.
        let depth = match parts.last().map(String::as_str) {
            Some("mod.rs") => parts.len() - 1,
            _ => parts.len(),
        };
        Some(Part { name, depth })
    }

    /// The parts of the folder this code names, in order of first mention.
    fn imports(&self, folder: &str, layers: &[&str], code: &str) -> Vec<String> {
        let mut prefixes = vec![format!("crate::{folder}::")];
        match self.depth {
            0 => prefixes.push("self::".into()),
            depth => prefixes.push("super::".repeat(depth)),
        }
        let mut found = Vec::new();
        for (at, name) in prefixes.iter().flat_map(|p| names_after(code, p)) {
            let part = if layers.contains(&name.as_str()) {
                name
            } else {
                "mod".to_string()
            };
            found.push((at, part));
        }
        found.sort_by_key(|(at, _)| *at);
        let mut out: Vec<String> = Vec::new();
        for (_, part) in found {
            if !out.contains(&part) {
                out.push(part);
            }
        }
        out
    }
}

/// Why the part `from` may not use the part `to`, or `None` when it may.
fn against(layers: &[&str], from: &str, to: &str) -> Option<String> {
    let rank = |m: &str| layers.iter().position(|l| *l == m);
    match (rank(from), rank(to)) {
        _ if from == to => None,
        (Some(f), Some(t)) if f < t => None,
        (Some(_), Some(_)) => Some(format!("{from} sits below {to}")),
        _ => Some("a part missing from its folder's layers".into()),
    }
}

/// The first names after each `prefix` (also inside `prefix{x, y::z}`), with
/// where they stand; a longer run of `super::` than `prefix` is not a match.
fn names_after(code: &str, prefix: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find(prefix) {
        let start = from + at;
        from = start + prefix.len();
        let rest = &code[from..];
        let before = &code[..start];
        if before.ends_with("super::")
            || before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
            || rest.starts_with("super::")
        {
            continue;
        }
        let mut names = Vec::new();
        match rest.strip_prefix('{') {
            Some(group) => {
                for part in top_level_parts(group) {
                    push_name(&mut names, part.trim());
                }
            }
            None => push_name(&mut names, rest),
        }
        found.extend(
            names
                .into_iter()
                .filter(|n| n != "self")
                .map(|n| (start, n)),
        );
    }
    found
}

#[test]
fn the_check_sees_an_import_that_runs_back_up() {
    let code = "use crate::secret::Secret;\nuse crate::{cli::{A, B}, auth::store::StoreChoice};\n\
                fn f() { let _ = crate::api::USER_AGENT; }\n\
                #[cfg(test)]\nmod tests {\n    use crate::server::X;\n}\n";
    let found = imports(&without_test_code(code));
    assert_eq!(found, ["secret", "cli", "auth", "api"]);
    assert!(against_the_order("config", "secret").is_none());
    assert!(against_the_order("config", "auth").is_some());
    assert!(against_the_order("config", "config").is_none());
    assert!(against_the_order("config", "nowhere").is_some());
}

/// Why `from` may not use `to`, or `None` when it may.
fn against_the_order(from: &str, to: &str) -> Option<String> {
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    match (rank(from), rank(to)) {
        _ if from == to => None,
        (Some(f), Some(t)) if f < t => None,
        (Some(_), Some(_)) => Some(format!("{from} sits below {to}")),
        _ => Some("a module missing from LAYERS".into()),
    }
}

/// Every `.rs` file under `src`, except those a `#[cfg(test)] mod x;` brings in.
fn source_files(src: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let test_only: Vec<PathBuf> = files.iter().flat_map(|f| test_modules(f)).collect();
    files.retain(|f| {
        !test_only
            .iter()
            .any(|t| f.starts_with(t.with_extension("")) || f == t)
    });
    files.sort();
    files
}

/// Files of the modules that `file` declares under `#[cfg(test)]`.
fn test_modules(file: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(file).unwrap();
    let dir = match file.file_stem().and_then(|s| s.to_str()) {
        Some("mod" | "main") => file.parent().unwrap().to_path_buf(),
        _ => file.with_extension(""),
    };
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines
        .windows(2)
        .filter(|w| is_test_attribute(w[0]))
        .filter_map(|w| {
            let rest = w[1].strip_prefix("pub ").unwrap_or(w[1]);
            rest.strip_prefix("mod ")?.strip_suffix(';')
        })
        .map(|name| dir.join(format!("{name}.rs")))
        .collect()
}

/// `main` for `src/main.rs`, `auth` for `src/auth.rs` and `src/auth/…`.
fn top_module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

fn is_test_attribute(line: &str) -> bool {
    line.starts_with("#[cfg(") && line.contains("test")
}

/// The text without comments and without items under a `cfg(test)` attribute.
fn without_test_code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().map(|l| l.split("//").next().unwrap_or(""));
    while let Some(line) = lines.next() {
        if !is_test_attribute(line.trim()) {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        // Skip the item: to its `;`, or through its braces.
        let mut depth = 0i32;
        let mut opened = false;
        for line in lines.by_ref() {
            if line.trim_start().starts_with("#[") {
                continue;
            }
            depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
            opened |= line.contains('{');
            if (opened && depth <= 0) || (!opened && line.trim_end().ends_with(';')) {
                break;
            }
        }
    }
    out
}

/// The top modules named by `crate::x` paths, also inside `crate::{x, y::z}`.
fn imports(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            for part in top_level_parts(group) {
                push_name(&mut found, part.trim());
            }
        } else {
            push_name(&mut found, rest);
        }
    }
    found
}

/// The comma-separated parts of a `{…}` group up to its closing brace, nested
/// groups kept whole.
fn top_level_parts(group: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                parts.push(&group[start..i]);
                return parts;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&group[start..]);
    parts
}

fn push_name(found: &mut Vec<String>, path: &str) {
    let name: String = path
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if !name.is_empty() && !found.contains(&name) {
        found.push(name);
    }
}
