//! The library's layering, read from its source: no import cycle between
//! its files, and the bottom layers (settings/, the errors, durations and
//! sizes, secrets) import nothing above them. ARCHITECTURE.md draws the
//! same arrows.
//!
//! A file's imports are the `crate::…` and `super::…` paths in its code,
//! outside comments and its `#[cfg(test)]` module (tests may reach up).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The library's source files (the CLI under src/bin/ is a crate of its own).
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("bin") {
                sources(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `src/settings/mod.rs` is `settings`,
/// `src/client/run.rs` is `client::run`, `src/lib.rs` is ``.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and without its test module.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths that start at `rest`: one for `a::b::C`, one per item for a
/// group such as `a::{b, c::D}` (nested groups too).
fn paths_at(rest: &str) -> Vec<Vec<String>> {
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(rest.len());
    let head: Vec<String> = rest[..end]
        .split("::")
        .take_while(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if !rest[..end].ends_with("::") || !rest[end..].starts_with('{') {
        return vec![head];
    }
    // The group's items, split at the commas outside nested braces.
    let group = &rest[end + 1..];
    let (mut depth, mut start, mut out) = (0usize, 0usize, Vec::new());
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                for item in paths_at(group[start..i].trim()) {
                    out.push(head.iter().cloned().chain(item).collect());
                }
                return out;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                for item in paths_at(group[start..i].trim()) {
                    out.push(head.iter().cloned().chain(item).collect());
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    out
}

/// [`paths_at`], also where `rest` is a group itself (`{a, b}` after
/// `crate::` or `super::`).
fn tails_at(rest: &str) -> Vec<Vec<String>> {
    if rest.starts_with('{') {
        paths_at(&format!("self::{rest}"))
            .into_iter()
            .map(|p| p[1..].to_vec())
            .collect()
    } else {
        paths_at(rest)
    }
}

/// Builds the graph of file → files it imports, by module path.
fn graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    // The longest module path that is a prefix of `path`: the file it names.
    let file_of = |path: &[String]| -> Option<Vec<String>> {
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| modules.contains(p))
    };
    let exports = reexports(&fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut graph = BTreeMap::new();
    for file in &files {
        let me = module_of(&src, file);
        let text = code(&fs::read_to_string(file).unwrap());
        let mut deps = BTreeSet::new();
        for (at, _) in text.match_indices("crate::") {
            if text[..at].ends_with('$') {
                continue;
            }
            for mut path in tails_at(&text[at + "crate::".len()..]) {
                // `crate::Client` is the module lib.rs re-exports it from.
                if let Some(from) = path.first().and_then(|first| exports.get(first)) {
                    path = from.clone();
                }
                if let Some(dep) = file_of(&path) {
                    deps.insert(dep);
                }
            }
        }
        for (at, _) in text.match_indices("super::") {
            if text[..at].ends_with("super::") {
                continue;
            }
            // `super` is the parent of the file's module, once per `super::`.
            let mut base = me.clone();
            let mut rest = &text[at..];
            while let Some(after) = rest.strip_prefix("super::") {
                base.pop();
                rest = after;
            }
            for path in tails_at(rest) {
                let full: Vec<String> = base.iter().cloned().chain(path).collect();
                if let Some(dep) = file_of(&full) {
                    deps.insert(dep);
                }
            }
        }
        deps.remove(&me);
        // A parent's `mod child;` and re-exports are not an upward import.
        deps.retain(|d| !(d.len() > me.len() && d.starts_with(&me)));
        graph.insert(me, deps);
    }
    graph
}

/// lib.rs' `pub use a::b::{C, D};` as `C` → `a::b`, `D` → `a::b`.
fn reexports(lib: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for statement in code(lib).split(';') {
        let Some(at) = statement.find("pub use ") else {
            continue;
        };
        let used: String = statement[at + "pub use ".len()..]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let (prefix, names) = match used.split_once("::{") {
            Some((prefix, names)) => (prefix.to_string(), names.trim_end_matches('}').to_string()),
            None => match used.rsplit_once("::") {
                Some((prefix, name)) => (prefix.to_string(), name.to_string()),
                None => continue,
            },
        };
        let prefix: Vec<String> = prefix.split("::").map(str::to_string).collect();
        for name in names.split(',').filter(|n| !n.is_empty()) {
            let name = name.rsplit("::").next().unwrap_or(name);
            out.insert(name.to_string(), prefix.clone());
        }
    }
    out
}

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "lib".into()
    } else {
        module.join("/")
    }
}

/// Strongly connected components of more than one file (Tarjan).
fn cycles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Vec<String>) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let Some((w, _)) = s.graph.get_key_value(w) else {
                continue;
            };
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(name(w));
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v) {
            visit(&mut state, v);
        }
    }
    state.found
}

#[test]
fn no_file_of_the_library_is_part_of_an_import_cycle() {
    let graph = graph();
    assert!(graph.len() > 30, "read only {} files", graph.len());
    let found = cycles(&graph);
    assert!(found.is_empty(), "import cycles: {found:#?}");
}

#[test]
fn the_bottom_layers_import_nothing_above_them() {
    let above = ["tls", "transport", "client", "check", "server_info"];
    for (module, deps) in graph() {
        let bottom = matches!(
            module.first().map(String::as_str),
            Some("settings" | "error" | "units" | "secret")
        );
        if !bottom {
            continue;
        }
        for dep in deps {
            assert!(
                !above.contains(&dep[0].as_str()),
                "{} imports {}: settings/, error.rs, units/ and secret.rs sit below tls/, transport/ and client/",
                name(&module),
                name(&dep)
            );
        }
    }
}

/// The reader of the graph itself, on a file whose imports are known.
#[test]
fn the_graph_sees_known_imports() {
    let graph = graph();
    let resolve = &graph[&vec!["settings".to_string(), "resolve".to_string()]];
    assert!(
        resolve.contains(&vec!["settings".to_string(), "layer".to_string()]),
        "{resolve:?}"
    );
    let error = &graph[&vec!["error".to_string()]];
    assert!(error.contains(&vec!["units".to_string()]), "{error:?}");
}
