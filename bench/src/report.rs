//! The results: a Markdown table and a JSON file, and the table on stdout.

use std::io::Read;
use std::path::Path;

use serde_json::json;

#[derive(Clone, Copy, Debug)]
pub enum Target {
    AtMost(f64),
    AtLeast(f64),
}

/// One row of the results.
pub struct Figure {
    pub name: String,
    /// `None`: not measured (the note says why).
    pub value: Option<f64>,
    pub unit: &'static str,
    pub target: Option<Target>,
    pub samples: Option<usize>,
    pub note: String,
}

impl Figure {
    pub fn new(name: &str, value: f64, unit: &'static str) -> Figure {
        Figure {
            name: name.into(),
            value: Some(value),
            unit,
            target: None,
            samples: None,
            note: String::new(),
        }
    }

    pub fn target(mut self, t: Target) -> Figure {
        self.target = Some(t);
        self
    }

    pub fn samples(mut self, n: Option<usize>) -> Figure {
        self.samples = n;
        self
    }

    pub fn note(mut self, note: String) -> Figure {
        self.note = note;
        self
    }

    pub fn pass(&self) -> Option<bool> {
        let v = self.value.filter(|v| v.is_finite())?;
        match self.target? {
            Target::AtMost(limit) => Some(v <= limit),
            Target::AtLeast(limit) => Some(v >= limit),
        }
    }

    fn value_text(&self) -> String {
        match self.value {
            None => "not measured".into(),
            Some(v) => with_unit(v, self.unit),
        }
    }

    fn target_text(&self) -> String {
        match self.target {
            None => "–".into(),
            Some(Target::AtMost(t)) => format!("≤ {t} {}", self.unit).trim_end().into(),
            Some(Target::AtLeast(t)) => format!("≥ {t} {}", self.unit).trim_end().into(),
        }
    }

    fn result_text(&self) -> &'static str {
        match (self.pass(), self.target) {
            (Some(true), _) => "PASS",
            (Some(false), _) => "MISS",
            (None, Some(_)) => "not measured",
            (None, None) => "info",
        }
    }
}

fn with_unit(v: f64, unit: &str) -> String {
    let n = match unit {
        "ms" => format!("{v:.3}"),
        "MB" => format!("{v:.2}"),
        _ if v.fract() == 0.0 || v.abs() >= 100.0 => format!("{v:.0}"),
        _ => format!("{v:.2}"),
    };
    if unit.is_empty() {
        n
    } else {
        format!("{n} {unit}")
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}, {}", std::env::consts::OS)
}

pub fn write(out: &Path, binary: &Path, figures: &[Figure]) -> std::io::Result<()> {
    let machine = machine();
    let mut md = String::from(
        "| figure | value | target | result | samples | note |\n|---|---:|---:|:---:|---:|---|\n",
    );
    for f in figures {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            f.name,
            f.value_text(),
            f.target_text(),
            f.result_text(),
            f.samples.map(|n| n.to_string()).unwrap_or_default(),
            f.note.replace('|', "\\|"),
        ));
    }
    let misses = figures.iter().filter(|f| f.pass() == Some(false)).count();
    let targeted = figures.iter().filter(|f| f.target.is_some()).count();
    let unmeasured = figures
        .iter()
        .filter(|f| f.target.is_some() && f.pass().is_none())
        .count();
    let mut summary = if targeted == 0 {
        "no figure with a target in this run".to_string()
    } else {
        format!(
            "{} of {targeted} targets met",
            targeted - misses - unmeasured
        )
    };
    if misses > 0 {
        summary.push_str(&format!(", {misses} missed"));
    }
    if unmeasured > 0 {
        summary.push_str(&format!(", {unmeasured} not measured"));
    }
    let header = format!(
        "# digiusher-mcp benchmark\n\nBinary: `{}`. Machine: {machine}.\n\n",
        binary.display()
    );
    let unix_time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let rows: Vec<_> = figures
        .iter()
        .map(|f| {
            json!({
                "name": f.name,
                "value": f.value,
                "unit": f.unit,
                "target": f.target.map(|t| match t {
                    Target::AtMost(v) | Target::AtLeast(v) => v,
                }),
                "comparison": f.target.map(|t| match t {
                    Target::AtMost(_) => "<=",
                    Target::AtLeast(_) => ">=",
                }),
                "pass": f.pass(),
                "samples": f.samples,
                "note": f.note,
            })
        })
        .collect();
    let doc = json!({
        "binary": binary.display().to_string(),
        "machine": machine,
        "unix_time": unix_time,
        "summary": summary,
        "figures": rows,
    });
    std::fs::create_dir_all(out)?;
    let md_path = out.join("bench-results.md");
    let json_path = out.join("bench-results.json");
    std::fs::write(&md_path, format!("{header}{md}\n{summary}.\n"))?;
    std::fs::write(
        &json_path,
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n",
    )?;
    println!("{header}{md}\n{summary}.\n");
    println!("Written: {} and {}", md_path.display(), json_path.display());
    Ok(())
}

/// Whether an ELF64 little-endian file has a symbol table section (`SHT_SYMTAB`);
/// `None` when it is not such a file.
pub fn elf_has_symtab(path: &Path) -> Option<bool> {
    let mut data = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .read_to_end(&mut data)
        .ok()?;
    if data.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let u16_at = |o: usize| Some(u16::from_le_bytes(data.get(o..o + 2)?.try_into().ok()?));
    let u32_at = |o: usize| Some(u32::from_le_bytes(data.get(o..o + 4)?.try_into().ok()?));
    let u64_at = |o: usize| Some(u64::from_le_bytes(data.get(o..o + 8)?.try_into().ok()?));
    let shoff = usize::try_from(u64_at(0x28)?).ok()?;
    let shentsize = usize::from(u16_at(0x3a)?);
    let shnum = usize::from(u16_at(0x3c)?);
    const SHT_SYMTAB: u32 = 2;
    let mut found = false;
    for i in 0..shnum {
        found |= u32_at(shoff + i * shentsize + 4)? == SHT_SYMTAB;
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_and_text() {
        let f = Figure::new("x", 4.2, "ms").target(Target::AtMost(5.0));
        assert_eq!(f.pass(), Some(true));
        assert_eq!(f.target_text(), "≤ 5 ms");
        let f = Figure::new("t", 1500.0, "calls/s").target(Target::AtLeast(2000.0));
        assert_eq!(f.pass(), Some(false));
        assert_eq!(f.result_text(), "MISS");
        assert_eq!(f.value_text(), "1500 calls/s");
        let mut f = Figure::new("r", 0.0, "ms");
        f.value = None;
        assert_eq!(f.value_text(), "not measured");
        assert_eq!(f.result_text(), "info");
    }

    #[test]
    fn reads_own_elf() {
        let me = std::env::current_exe().expect("exe");
        assert!(elf_has_symtab(&me).is_some());
    }
}
