//! A deterministic generator of synthetic registries in the dataset format
//! (README, "The dataset format"): the same scale always writes the same bytes.
//!
//! Scale 1 is size M: 200 committees (50 technical committees with 3
//! subcommittees each), 5,000 working groups, 200,000 standards, 20,000
//! experts, 50,000 positions, 50,000 liaisons and 5,600 statistics. Scale 10
//! is size L. Every count is the scale-1 count times the scale.
//!
//! Depends on std, serde and serde_json only, so that the root crate's
//! Criterion benchmarks can include this file with `#[path]`.

use std::io::{self, Write};

use serde::Serialize;

/// Per-size inputs the query shapes draw their variants from: codes and
/// keys that exist in the dataset, spread over it.
#[derive(Clone, Debug, Default)]
pub struct Sample {
    /// Standard codes as stored (canonical), spread over the list.
    pub standard_codes: Vec<String>,
    /// Committee codes, spread over the list.
    pub committee_codes: Vec<String>,
    /// Technical committees (no parent), whose subtrees hold subcommittees.
    pub top_committees: Vec<String>,
    pub working_group_codes: Vec<String>,
    pub expert_keys: Vec<String>,
    pub liaison_keys: Vec<String>,
    /// Texts a person types into a search box.
    pub search_texts: Vec<String>,
    /// Rare words: a few hits each.
    pub rare_texts: Vec<String>,
}

/// How many items of `total` a sample keeps at most.
pub const SAMPLE_MAX: usize = 256;

/// `max` indices spread evenly over `0..total` (all of them when fewer).
pub fn spread(total: usize, max: usize) -> Vec<usize> {
    if total <= max {
        return (0..total).collect();
    }
    (0..max).map(|i| i * total / max).collect()
}

/// Search texts that hit records at every size: words of the real dataset
/// that the generator's vocabulary shares.
pub const SEARCH_TEXTS: [&str; 8] = [
    "cloud",
    "data",
    "security",
    "knowledge graph",
    "intelligence",
    "software",
    "blockchain",
    "quantum",
];

/// Words a few records hold, as a person searches for a rare term. In the
/// real dataset each is in one to three records; a generated dataset puts
/// them in the title of every `RARE_EVERY`th standard, in turn (10 each at M).
pub const RARE_TEXTS: [&str; 8] = [
    "agriculture",
    "forestry",
    "bipedal",
    "compiler",
    "electricity",
    "cooling",
    "compression",
    "benchmarking",
];
const RARE_EVERY: usize = 2_500;

/// SplitMix64: tiny, fast and fixed, so the output never depends on a crate's version.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64 * n as f64) as usize
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// An item by weight: `items` holds (item, weight).
    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut at = self.below(total as usize) as u32;
        for &(item, weight) in items {
            if at < weight {
                return item;
            }
            at -= weight;
        }
        items[items.len() - 1].0
    }
}

const DOMAINS: [&str; 40] = [
    "Cloud computing",
    "Big data",
    "Artificial intelligence",
    "Knowledge graph",
    "Information security",
    "Software engineering",
    "Blockchain",
    "Quantum computing",
    "Internet of things",
    "Data centres",
    "Smart cities",
    "Digital twins",
    "Edge computing",
    "Biometrics",
    "Machine learning",
    "Data management",
    "Distributed ledgers",
    "Intelligent manufacturing",
    "User interfaces",
    "Virtual reality",
    "Metaverse",
    "Embodied intelligence",
    "Trustworthy AI",
    "Storage systems",
    "Networked systems",
    "Office documents",
    "Character sets",
    "Electronic archives",
    "Geographic information",
    "E-learning",
    "Health informatics",
    "Automotive software",
    "Unmanned systems",
    "Open source",
    "Digital identity",
    "Payment systems",
    "Semiconductor design",
    "Industrial internet",
    "Service management",
    "Cyber-physical systems",
];

const ASPECTS: [&str; 30] = [
    "Vocabulary",
    "Reference architecture",
    "General requirements",
    "Data quality",
    "Security requirements",
    "Test methods",
    "Interoperability",
    "Service level agreements",
    "Maturity model",
    "Governance",
    "Risk management",
    "Performance evaluation",
    "Metadata",
    "Interfaces",
    "Lifecycle processes",
    "Conformance testing",
    "Operations and maintenance",
    "Privacy protection",
    "Trustworthiness",
    "Data exchange format",
    "Capability assessment",
    "Application guidelines",
    "Technical framework",
    "Functional requirements",
    "Benchmarking",
    "Resource management",
    "Identification",
    "Access control",
    "Reliability",
    "Energy efficiency",
];

const FIRST_NAMES: [&str; 24] = [
    "Wei", "Fang", "Jing", "Lei", "Min", "Hui", "Yan", "Tao", "Jun", "Li", "Qiang", "Xin", "Anna",
    "Lukas", "Marie", "David", "Sofia", "Paul", "Elena", "Marco", "Sara", "Jonas", "Clara", "Hugo",
];

const LAST_NAMES: [&str; 24] = [
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma",
    "Zhu", "Hu", "Guo", "Muller", "Schmidt", "Rossi", "Dubois", "Novak", "Berg", "Costa", "Meyer",
];

const ORGANIZATIONS: [&str; 16] = [
    "CESI",
    "SESEC V",
    "Tsinghua University",
    "Peking University",
    "Huawei",
    "Alibaba Cloud",
    "Baidu",
    "Tencent",
    "China Mobile",
    "Inspur",
    "Lenovo",
    "ZTE",
    "CAICT",
    "Zhejiang Lab",
    "Shanghai Jiao Tong University",
    "Chinese Academy of Sciences",
];

const ROLES: [&str; 8] = [
    "Chair",
    "Vice Chair",
    "Secretary",
    "Convenor",
    "Member",
    "Project Editor",
    "Registered expert",
    "Liaison officer",
];

const LIAISON_KINDS: [(&str, u32); 7] = [
    ("MIRROR", 20),
    ("LIAISON", 25),
    ("CONVENORSHIP", 10),
    ("SECRETARIAT", 5),
    ("CHAIR", 5),
    ("PARTICIPATION", 25),
    ("OTHER", 10),
];

/// Kinds with their code pattern and weight.
const KINDS: [(&str, u32); 7] = [
    ("NATIONAL", 48),
    ("NATIONAL_GUIDELINE", 7),
    ("SECTOR", 12),
    ("ASSOCIATION", 10),
    ("INTERNATIONAL", 13),
    ("IEEE", 4),
    ("OTHER", 6),
];

const STATUSES: [(&str, u32); 7] = [
    ("PUBLISHED", 55),
    ("UNDER_DEVELOPMENT", 15),
    ("APPROVED_PROJECT", 10),
    ("PLANNED", 4),
    ("PRE_RESEARCH", 5),
    ("DRAFT", 6),
    ("WITHDRAWN", 5),
];

const DOCUMENTS: usize = 12;

#[derive(Serialize)]
struct Source {
    document: String,
    section: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Committee<'a> {
    code: &'a str,
    name: String,
    kind: &'static str,
    parent: Option<&'a str>,
    aliases: Vec<String>,
    founded: Option<i32>,
    scope: Option<String>,
    notes: Option<String>,
    sources: Vec<Source>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WorkingGroup<'a> {
    code: &'a str,
    committee: &'a str,
    kind: &'static str,
    name: String,
    aliases: Vec<String>,
    established: Option<i32>,
    focus: Option<String>,
    notes: Option<String>,
    sources: Vec<Source>,
}

#[derive(Serialize)]
struct Equivalence<'a> {
    degree: &'static str,
    code: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Standard<'a> {
    code: Option<&'a str>,
    title: String,
    kind: &'static str,
    status: &'static str,
    year: Option<i32>,
    committee: Option<&'a str>,
    working_group: Option<&'a str>,
    equivalences: Vec<Equivalence<'a>>,
    notes: Option<String>,
    sources: Vec<Source>,
}

#[derive(Serialize)]
struct Expert<'a> {
    key: &'a str,
    name: String,
    organization: Option<&'static str>,
    notes: Option<String>,
    sources: Vec<Source>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Position<'a> {
    expert: &'a str,
    role: &'static str,
    committee: Option<&'a str>,
    working_group: Option<&'a str>,
    external_body: Option<String>,
    notes: Option<String>,
    sources: Vec<Source>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Liaison<'a> {
    key: String,
    kind: &'static str,
    committee: Option<&'a str>,
    working_group: Option<&'a str>,
    counterpart: String,
    description: Option<String>,
    notes: Option<String>,
    sources: Vec<Source>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Statistic<'a> {
    committee: Option<&'a str>,
    working_group: Option<&'a str>,
    metric: &'static str,
    value: f64,
    period: Option<&'static str>,
    notes: Option<String>,
    source: Source,
}

/// Counts at a scale (scale 1 = size M).
#[derive(Clone, Copy, Debug)]
pub struct Counts {
    pub technical_committees: usize,
    pub subcommittees_per_tc: usize,
    pub working_groups: usize,
    pub standards: usize,
    pub experts: usize,
    pub positions: usize,
    pub liaisons: usize,
}

impl Counts {
    pub fn at(scale: f64) -> Self {
        let n = |base: f64| ((base * scale).round() as usize).max(1);
        Self {
            technical_committees: n(50.0),
            subcommittees_per_tc: 3,
            working_groups: n(5_000.0),
            standards: n(200_000.0),
            experts: n(20_000.0),
            positions: n(50_000.0),
            liaisons: n(50_000.0),
        }
    }

    pub fn committees(&self) -> usize {
        self.technical_committees * (1 + self.subcommittees_per_tc)
    }
}

fn sources(rng: &mut Rng) -> Vec<Source> {
    let count = 1 + usize::from(rng.chance(0.3));
    (0..count)
        .map(|_| Source {
            document: format!("report-{:02}", rng.below(DOCUMENTS)),
            section: Some(format!("{}.({})", 1 + rng.below(6), 1 + rng.below(9))),
        })
        .collect()
}

fn note(rng: &mut Rng, p: f64, what: &str) -> Option<String> {
    rng.chance(p).then(|| {
        format!(
            "Synthetic record: {what} as the reports would state it, with the ambiguity kept in a note ({}).",
            rng.below(1000)
        )
    })
}

/// Writes one JSON array member list: `"name": [ ... ]`.
fn write_list<W: Write, T: Serialize>(
    out: &mut W,
    name: &str,
    count: usize,
    mut item: impl FnMut(usize) -> T,
) -> io::Result<()> {
    write!(out, "\"{name}\":[")?;
    for i in 0..count {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut *out, &item(i))?;
    }
    out.write_all(b"]")
}

/// Writes the registry of `scale` to `out` and returns what the shapes sample.
pub fn generate<W: Write>(scale: f64, out: &mut W) -> io::Result<Sample> {
    let counts = Counts::at(scale);
    let mut rng = Rng(0x5EED_0005_u64 ^ (scale * 1000.0) as u64);

    // Committees: TC{n}, then its subcommittees TC{n}/SC{m}; parents first.
    let mut committees: Vec<(String, Option<usize>)> = Vec::with_capacity(counts.committees());
    let mut sc_number = 0;
    for t in 0..counts.technical_committees {
        let tc = committees.len();
        committees.push((format!("SAC/TC{}", t + 1), None));
        for _ in 0..counts.subcommittees_per_tc {
            sc_number += 1;
            committees.push((format!("SAC/TC{}/SC{}", t + 1, sc_number), Some(tc)));
        }
    }
    // Working groups, spread round-robin over the committees.
    let mut group_numbers = vec![0usize; committees.len()];
    let groups: Vec<(String, usize, bool)> = (0..counts.working_groups)
        .map(|i| {
            let committee = i % committees.len();
            group_numbers[committee] += 1;
            let research = rng.chance(0.1);
            let prefix = if research { "RG" } else { "WG" };
            (
                format!(
                    "{}/{prefix}{}",
                    committees[committee].0, group_numbers[committee]
                ),
                committee,
                research,
            )
        })
        .collect();
    // Standards: codes made from one running number, so every code is unique.
    struct StandardRow {
        code: Option<String>,
        title: String,
        kind: &'static str,
        status: &'static str,
        year: Option<i32>,
        committee: Option<usize>,
        group: Option<usize>,
        equivalent: Option<(usize, &'static str)>,
    }
    let mut standards: Vec<StandardRow> = Vec::with_capacity(counts.standards);
    let mut internationals: Vec<usize> = Vec::new();
    for i in 0..counts.standards {
        let kind = rng.weighted(&KINDS);
        let status = rng.weighted(&STATUSES);
        let year = match status {
            "PUBLISHED" | "WITHDRAWN" => {
                if rng.chance(0.05) {
                    None
                } else {
                    // Skewed to recent years, as catalogues are.
                    let back = (rng.below(36) * rng.below(36)) / 36;
                    Some(2025 - back as i32)
                }
            }
            _ => rng.chance(0.3).then(|| 2024 + rng.below(3) as i32),
        };
        let number = 10_000 + i;
        let y = year.unwrap_or(2025);
        let code = match kind {
            "NATIONAL" if status == "PUBLISHED" || status == "WITHDRAWN" => {
                Some(format!("GB/T {number}-{y}"))
            }
            "NATIONAL" => Some(format!("{}-T-{}", 20_000_000 + i, 200 + rng.below(800))),
            "NATIONAL_GUIDELINE" => Some(format!("GB/Z {number}-{y}")),
            "SECTOR" => Some(format!("SJ/T {number}-{y}")),
            "ASSOCIATION" => Some(format!("T/CESA {number}-{y}")),
            "INTERNATIONAL" => Some(format!("ISO/IEC {number}:{y}")),
            "IEEE" => Some(format!("IEEE {number}-{y}")),
            _ => None,
        };
        let domain = rng.pick(&DOMAINS);
        let aspect = rng.pick(&ASPECTS);
        let mut title = if code.is_some() {
            format!(
                "Information technology — {domain} — {aspect} — Part {}",
                1 + rng.below(12)
            )
        } else {
            // Untitled by code: a slug of the title stands in, so titles are unique.
            format!("{domain} {aspect} guidelines, report {number}")
        };
        if i % RARE_EVERY == RARE_EVERY / 2 {
            let rare = RARE_TEXTS[(i / RARE_EVERY) % RARE_TEXTS.len()];
            title.push_str(&format!(" for {rare}"));
        }
        let (committee, group) = if rng.chance(0.9) {
            let group = rng.below(groups.len());
            let committee = rng.chance(0.5).then_some(groups[group].1);
            (committee, Some(group))
        } else {
            (Some(rng.below(committees.len())), None)
        };
        let equivalent = if kind == "NATIONAL" && !internationals.is_empty() && rng.chance(0.06) {
            let degree = rng.pick(&["IDT", "MOD", "NEQ"]);
            Some((rng.pick(&internationals), degree))
        } else {
            None
        };
        if kind == "INTERNATIONAL" {
            internationals.push(i);
        }
        standards.push(StandardRow {
            code,
            title,
            kind,
            status,
            year,
            committee,
            group,
            equivalent,
        });
    }
    let expert_keys: Vec<String> = (0..counts.experts)
        .map(|i| format!("expert-{i:06}"))
        .collect();

    out.write_all(b"{\"documents\":[")?;
    for d in 0..DOCUMENTS {
        if d > 0 {
            out.write_all(b",")?;
        }
        write!(
            out,
            "{{\"id\":\"report-{d:02}\",\"title\":\"Synthetic report {d} on committee plenary meetings\"}}"
        )?;
    }
    out.write_all(b"],\n")?;

    write_list(out, "committees", committees.len(), |i| {
        let (code, parent) = &committees[i];
        let short = code.trim_start_matches("SAC/");
        let mut aliases = vec![short.to_owned()];
        if parent.is_some() {
            let sc = short.rsplit('/').next().unwrap_or(short);
            aliases.push(format!("SAC/{sc}"));
        }
        Committee {
            code,
            name: format!("{} committee {}", rng.pick(&DOMAINS), i + 1),
            kind: if parent.is_some() {
                "SUBCOMMITTEE"
            } else {
                "TECHNICAL_COMMITTEE"
            },
            parent: parent.map(|p| committees[p].0.as_str()),
            aliases,
            founded: Some(1980 + rng.below(45) as i32),
            scope: Some(format!(
                "Standardization of {} and {}",
                rng.pick(&DOMAINS).to_lowercase(),
                rng.pick(&DOMAINS).to_lowercase()
            )),
            notes: note(&mut rng, 0.5, "a committee"),
            sources: sources(&mut rng),
        }
    })?;
    out.write_all(b",\n")?;

    write_list(out, "workingGroups", groups.len(), |i| {
        let (code, committee, research) = &groups[i];
        WorkingGroup {
            code,
            committee: &committees[*committee].0,
            kind: if *research {
                "RESEARCH_GROUP"
            } else {
                "WORKING_GROUP"
            },
            name: format!("{} {}", rng.pick(&DOMAINS), rng.pick(&ASPECTS)),
            aliases: Vec::new(),
            established: rng.chance(0.7).then(|| 2000 + rng.below(26) as i32),
            focus: Some(format!(
                "{} for {}",
                rng.pick(&ASPECTS),
                rng.pick(&DOMAINS).to_lowercase()
            )),
            notes: note(&mut rng, 0.2, "a working group"),
            sources: sources(&mut rng),
        }
    })?;
    out.write_all(b",\n")?;

    write_list(out, "standards", standards.len(), |i| {
        let row = &standards[i];
        Standard {
            code: row.code.as_deref(),
            title: row.title.clone(),
            kind: row.kind,
            status: row.status,
            year: row.year,
            committee: row.committee.map(|c| committees[c].0.as_str()),
            working_group: row.group.map(|g| groups[g].0.as_str()),
            equivalences: row
                .equivalent
                .iter()
                .map(|&(other, degree)| Equivalence {
                    degree,
                    code: standards[other].code.as_deref().unwrap_or_default(),
                })
                .collect(),
            notes: note(&mut rng, 0.1, "a standard"),
            sources: sources(&mut rng),
        }
    })?;
    out.write_all(b",\n")?;

    write_list(out, "experts", expert_keys.len(), |i| Expert {
        key: &expert_keys[i],
        name: format!("{} {} {}", rng.pick(&FIRST_NAMES), rng.pick(&LAST_NAMES), i),
        organization: rng.chance(0.9).then(|| rng.pick(&ORGANIZATIONS)),
        notes: note(&mut rng, 0.1, "an expert"),
        sources: sources(&mut rng),
    })?;
    out.write_all(b",\n")?;

    write_list(out, "positions", counts.positions, |_| {
        let expert = &expert_keys[rng.below(expert_keys.len())];
        let role = rng.pick(&ROLES);
        let target = rng.below(100);
        let (committee, group, external) = if target < 35 {
            (
                Some(committees[rng.below(committees.len())].0.as_str()),
                None,
                None,
            )
        } else if target < 90 {
            (None, Some(groups[rng.below(groups.len())].0.as_str()), None)
        } else {
            (None, None, Some(rng.pick(&ORGANIZATIONS).to_string()))
        };
        Position {
            expert,
            role,
            committee,
            working_group: group,
            external_body: external,
            notes: None,
            sources: sources(&mut rng),
        }
    })?;
    out.write_all(b",\n")?;

    // Two liaisons per committee (mirrors and the like), the rest on working groups.
    let committee_liaisons = (2 * committees.len()).min(counts.liaisons);
    write_list(out, "liaisons", counts.liaisons, |i| {
        let (committee, group) = if i < committee_liaisons {
            (Some(committees[i / 2].0.as_str()), None)
        } else {
            (None, Some(groups[rng.below(groups.len())].0.as_str()))
        };
        let counterpart = match rng.below(3) {
            0 => format!("ISO/IEC JTC 1/SC {}", 1 + rng.below(45)),
            1 => format!(
                "ISO/IEC JTC 1/SC {}/WG {}",
                1 + rng.below(45),
                1 + rng.below(12)
            ),
            _ => format!("IEC TC {}", 1 + rng.below(120)),
        };
        Liaison {
            key: format!("liaison-{i:06}"),
            kind: rng.weighted(&LIAISON_KINDS),
            committee,
            working_group: group,
            counterpart,
            description: rng.chance(0.5).then(|| "Synthetic relation".to_owned()),
            notes: None,
            sources: sources(&mut rng),
        }
    })?;
    out.write_all(b",\n")?;

    // Three figures per committee and one per working group.
    let statistic_count = 3 * committees.len() + groups.len();
    write_list(out, "statistics", statistic_count, |i| {
        let (committee, group) = if i < 3 * committees.len() {
            (Some(committees[i / 3].0.as_str()), None)
        } else {
            (None, Some(groups[i - 3 * committees.len()].0.as_str()))
        };
        Statistic {
            committee,
            working_group: group,
            metric: rng.pick(&[
                "standards published",
                "projects initiated",
                "members",
                "meetings held",
            ]),
            value: rng.below(500) as f64,
            period: Some("2025"),
            notes: None,
            source: Source {
                document: format!("report-{:02}", rng.below(DOCUMENTS)),
                section: None,
            },
        }
    })?;
    out.write_all(b"}\n")?;

    let pick = |total: usize, name: &dyn Fn(usize) -> String| -> Vec<String> {
        spread(total, SAMPLE_MAX).into_iter().map(name).collect()
    };
    let coded: Vec<&String> = standards.iter().filter_map(|s| s.code.as_ref()).collect();
    Ok(Sample {
        standard_codes: pick(coded.len(), &|i| coded[i].clone()),
        committee_codes: pick(committees.len(), &|i| committees[i].0.clone()),
        top_committees: committees
            .iter()
            .filter(|(_, parent)| parent.is_none())
            .map(|(code, _)| code.clone())
            .take(SAMPLE_MAX)
            .collect(),
        working_group_codes: pick(groups.len(), &|i| groups[i].0.clone()),
        expert_keys: pick(expert_keys.len(), &|i| expert_keys[i].clone()),
        liaison_keys: pick(counts.liaisons, &|i| format!("liaison-{i:06}")),
        search_texts: SEARCH_TEXTS.iter().map(|s| s.to_string()).collect(),
        rare_texts: RARE_TEXTS.iter().map(|s| s.to_string()).collect(),
    })
}
