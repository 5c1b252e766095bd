//! `leadsync-gen`: a deterministic generator of realistic lead rows (CSV) for benchmarks,
//! tests and the demo.
//!
//! Every row is a distinct lead; a configurable fraction re-uses a person generated earlier
//! but writes them differently (email case and spaces, phone format, company suffix), the way
//! real exports do, so the dedup stage has something to find. Another fraction can be broken
//! on purpose (bad email, bad date, nothing to link, ...) to exercise the reject path.
//!
//! The output depends only on the arguments: all randomness comes from one
//! `fastrand::Rng::with_seed`, so the same command always gives byte-identical files and
//! benchmarks and test fixtures are reproducible. Memory stays constant: rows are streamed,
//! and near-duplicates are copied from a bounded ring of the last persons generated.
//!
//! ```text
//! cargo run --release --bin leadsync-gen -- --rows 300 --duplicates 0.15 --bad 0.03 \
//!     --seed 7 --output fixtures/demo/leads.csv
//! ```

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

mod words;
use words::*;

/// `write!` to a `String`, which cannot fail.
macro_rules! put {
    ($($arg:tt)*) => {
        write!($($arg)*).expect("writing to a String cannot fail")
    };
}

/// Generate realistic, deterministic lead rows as CSV (for benchmarks, tests and the demo).
#[derive(Parser, Debug)]
#[command(
    name = "leadsync-gen",
    version,
    after_help = "Example: leadsync-gen --rows 300 --duplicates 0.15 --bad 0.03 --seed 7 \
                  --output fixtures/demo/leads.csv"
)]
struct Args {
    /// Number of lead rows to generate (the header line is not counted).
    #[arg(long)]
    rows: u64,
    /// Fraction (0..=1) of rows that re-use a person generated earlier, written differently
    /// (email case/spaces, phone format, company suffix); a quarter of them have no email.
    #[arg(long, default_value_t = 0.2, value_parser = parse_rate)]
    duplicates: f64,
    /// Fraction (0..=1) of rows broken in one way each: invalid email, nothing to link,
    /// value without currency, unparseable date, or empty title and company.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    bad: f64,
    /// Seed of the random generator; the same arguments always give byte-identical output.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Write the CSV to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!("`{s}` is not a fraction between 0 and 1")),
    }
}

#[rustfmt::skip]
const HEADER: [&str; 13] = [
    "lead_id", "title", "first_name", "last_name", "email", "phone", "company", "website", "value",
    "currency", "expected_close_date", "labels", "owner",
];
/// How many earlier persons near-duplicates can be copied from.
const RING_CAPACITY: usize = 10_000;

/// A person as first generated; near-duplicates render it differently.
#[derive(Clone)]
struct Person {
    first: &'static str,
    last: &'static str,
    /// Canonical (lower-case ASCII) email.
    email: String,
    phone: Option<Phone>,
    company: Option<Company>,
}

#[derive(Clone, Copy)]
struct Phone {
    area: u16,
    exchange: u16,
    line: u16,
    ext: Option<u16>,
    format: u8,
}

#[derive(Clone)]
struct Company {
    /// "Apex Robotics", without legal suffix.
    base: String,
    suffix: Option<&'static str>,
    slug: String,
    has_website: bool,
}

/// One output row, in `HEADER` order; the strings are reused from row to row.
type Row = [String; 13];

/// Column positions in `HEADER` and `Row`.
#[rustfmt::skip]
mod col {
    pub const ID: usize = 0; pub const TITLE: usize = 1; pub const FIRST: usize = 2;
    pub const LAST: usize = 3; pub const EMAIL: usize = 4; pub const PHONE: usize = 5;
    pub const COMPANY: usize = 6; pub const WEBSITE: usize = 7; pub const VALUE: usize = 8;
    pub const CURRENCY: usize = 9; pub const CLOSE_DATE: usize = 10; pub const LABELS: usize = 11;
    pub const OWNER: usize = 12;
}

struct Generator {
    rng: fastrand::Rng,
    seed: u64,
    duplicates: f64,
    bad: f64,
    /// Number of distinct companies rows pick from (about rows / 8).
    companies: u64,
    ring: Vec<Person>,
    ring_next: usize,
    serial: u64,
}

impl Generator {
    fn new(args: &Args) -> Self {
        Generator {
            rng: fastrand::Rng::with_seed(args.seed),
            seed: args.seed,
            duplicates: args.duplicates,
            bad: args.bad,
            companies: (args.rows / 8).max(1),
            ring: Vec::with_capacity(RING_CAPACITY.min(args.rows as usize)),
            ring_next: 0,
            serial: 0,
        }
    }

    /// Fills `row` with lead number `n` (1-based).
    fn fill(&mut self, n: u64, row: &mut Row) {
        row.iter_mut().for_each(String::clear);
        put!(row[col::ID], "L{n:07}");
        let roll = self.rng.f64();
        if roll < self.bad {
            let person = self.new_person();
            self.fill_canonical(&person, row);
            break_row(&mut self.rng, &person, row);
        } else if roll < self.bad + self.duplicates && !self.ring.is_empty() {
            let person = self.ring[self.rng.usize(..self.ring.len())].clone();
            self.fill_variant(&person, row);
        } else {
            let person = self.new_person();
            self.fill_canonical(&person, row);
            self.remember(person);
        }
    }

    fn remember(&mut self, person: Person) {
        if self.ring.len() < RING_CAPACITY {
            self.ring.push(person);
        } else {
            self.ring[self.ring_next] = person;
            self.ring_next = (self.ring_next + 1) % RING_CAPACITY;
        }
    }

    fn new_person(&mut self) -> Person {
        self.serial += 1;
        let rng = &mut self.rng;
        let (first, last) = (pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES));
        let company = (rng.u8(0..10) != 0).then(|| company(rng.u64(..self.companies), self.seed));
        let mut email = String::with_capacity(40);
        push_folded(&mut email, first);
        email.push('.');
        push_folded(&mut email, last);
        put!(email, "{}@", self.serial);
        match &company {
            Some(c) if rng.u8(0..20) < 9 => write!(email, "{}.com", c.slug),
            _ => write!(email, "{}", pick(rng, FREE_MAIL)),
        }
        .expect("writing to a String cannot fail");
        let phone = (rng.u8(0..10) != 0).then(|| new_phone(rng));
        Person {
            first,
            last,
            email,
            phone,
            company,
        }
    }

    fn fill_canonical(&mut self, p: &Person, row: &mut Row) {
        row[col::EMAIL].push_str(&p.email);
        if let Some(phone) = &p.phone {
            write_phone(&mut row[col::PHONE], phone, phone.format);
        }
        if let Some(c) = &p.company {
            row[col::COMPANY].push_str(&c.base);
            if let Some(s) = c.suffix {
                put!(row[col::COMPANY], " {s}");
            }
        }
        self.fill_lead(p, row);
    }

    /// The same person, written the way another source system would.
    fn fill_variant(&mut self, p: &Person, row: &mut Row) {
        let rng = &mut self.rng;
        // One dup in four has no email, so only the phone can match (when there is one).
        if p.phone.is_none() || rng.u8(0..4) != 0 {
            email_variant(rng, &p.email, &mut row[col::EMAIL]);
        }
        if let Some(phone) = &p.phone {
            write_phone(
                &mut row[col::PHONE],
                phone,
                (phone.format + rng.u8(1..5)) % 5,
            );
        }
        if let Some(c) = &p.company {
            company_variant(rng, c, &mut row[col::COMPANY]);
        }
        self.fill_lead(p, row);
    }

    /// Names, website and the lead's own fields (title, value, date, labels, owner).
    fn fill_lead(&mut self, p: &Person, row: &mut Row) {
        let rng = &mut self.rng;
        row[col::FIRST].push_str(p.first);
        row[col::LAST].push_str(p.last);
        match &p.company {
            Some(c) => {
                row[col::TITLE].push_str(&c.base);
                if c.has_website {
                    put!(row[col::WEBSITE], "https://www.{}.com", c.slug);
                }
            }
            None => put!(row[col::TITLE], "{} {}", p.first, p.last),
        }
        put!(row[col::TITLE], " - {}", pick(rng, INTERESTS));
        write_value(rng, row);
        write_date(rng, &mut row[col::CLOSE_DATE]);
        write_labels(rng, &mut row[col::LABELS]);
        row[col::OWNER].push_str(pick(rng, OWNERS));
    }
}

fn pick<T: Copy>(rng: &mut fastrand::Rng, items: &[T]) -> T {
    items[rng.usize(..items.len())]
}

/// Company number `idx`, always the same for a given seed: adjective x noun x tail x number.
fn company(idx: u64, seed: u64) -> Company {
    let (a, n, t) = (
        ADJECTIVES.len() as u64,
        NOUNS.len() as u64,
        TAILS.len() as u64 + 1,
    );
    let (rest, j) = (idx / (a * n), idx % (a * n));
    // 1999 is coprime with a * n, so this spreads neighbouring ids over all pairs.
    let j = (j * 1999 + rest * 7) % (a * n);
    let (adjective, noun) = (ADJECTIVES[(j % a) as usize], NOUNS[(j / a) as usize]);
    let mut base = format!("{adjective} {noun}");
    if !rest.is_multiple_of(t) {
        put!(base, " {}", TAILS[(rest % t - 1) as usize]);
    }
    if rest / t != 0 {
        put!(base, " {}", rest / t + 1);
    }
    let mut traits = fastrand::Rng::with_seed(seed ^ idx.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let suffix = (traits.u8(0..10) < 4).then(|| pick(&mut traits, SUFFIXES));
    let has_website = traits.u8(0..10) < 7;
    let slug = base
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase());
    Company {
        slug: slug.collect(),
        base,
        suffix,
        has_website,
    }
}

fn new_phone(rng: &mut fastrand::Rng) -> Phone {
    let exchange = loop {
        let e = rng.u16(200..1000);
        if e % 100 != 11 {
            break e;
        }
    };
    Phone {
        area: pick(rng, AREA_CODES),
        exchange,
        line: rng.u16(0..10_000),
        ext: (rng.u8(0..20) == 0).then(|| rng.u16(1..1000)),
        format: rng.u8(0..5),
    }
}

fn write_phone(out: &mut String, p: &Phone, format: u8) {
    let (a, e, l) = (p.area, p.exchange, p.line);
    match format {
        0 => write!(out, "({a}) {e}-{l:04}"),
        1 => write!(out, "{a}-{e}-{l:04}"),
        2 => write!(out, "{a}.{e}.{l:04}"),
        3 => write!(out, "+1 {a} {e} {l:04}"),
        _ => write!(out, "1-{a}-{e}-{l:04}"),
    }
    .expect("writing to a String cannot fail");
    if let Some(x) = p.ext {
        put!(out, " x{x}");
    }
}

/// " John.Doe7@Gmail.com ", "JOHN.DOE7@GMAIL.COM", ...: never the canonical spelling.
fn email_variant(rng: &mut fastrand::Rng, email: &str, out: &mut String) {
    let style = rng.u8(0..4);
    if style >= 2 {
        out.push(' ');
    }
    if style == 1 {
        out.extend(email.chars().map(|c| c.to_ascii_uppercase()));
    } else if style != 2 {
        let mut prev = '.';
        let mut in_domain = false;
        for c in email.chars() {
            let cap = prev == '@' || (!in_domain && prev == '.');
            out.push(if cap { c.to_ascii_uppercase() } else { c });
            in_domain |= c == '@';
            prev = c;
        }
    } else {
        out.push_str(email);
    }
    if style >= 2 {
        out.push_str(if style == 2 { "  " } else { " " });
    }
}

/// "Acme Robotics" -> "ACME Robotics, Inc.": the suffix always changes, the case sometimes.
fn company_variant(rng: &mut fastrand::Rng, c: &Company, out: &mut String) {
    match rng.u8(0..4) {
        0 => out.push_str(&c.base.to_uppercase()),
        1 => out.push_str(&c.base.to_lowercase()),
        2 => {
            let (head, tail) = c.base.split_once(' ').unwrap_or((&c.base, ""));
            put!(out, "{} {tail}", head.to_uppercase());
        }
        _ => out.push_str(&c.base),
    }
    let suffix = match c.suffix {
        None => pick(rng, &[", Inc.", " Inc", " LLC", ", LLC"]),
        Some("Inc") => pick(rng, &["", ", Inc", ", Inc."]),
        Some("Ltd") => pick(rng, &["", ", Ltd", " Ltd."]),
        Some("LLC") => pick(rng, &["", ", LLC", ", L.L.C."]),
        Some(_) => pick(rng, &["", " gmbh", ", GmbH"]),
    };
    out.push_str(suffix);
}

/// Pushes `s` lower-cased and folded to ASCII letters ("Ngũgĩ" -> "ngugi", "O'Brien" -> "obrien").
fn push_folded(out: &mut String, s: &str) {
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() {
            out.push(c);
        } else if let Some((_, ascii)) = FOLDS.iter().find(|(from, _)| from.contains(c)) {
            out.push_str(ascii);
        }
    }
}

/// About 20% no value; else 500..250000, whole or with cents, in USD, EUR or GBP.
fn write_value(rng: &mut fastrand::Rng, row: &mut Row) {
    if rng.u8(0..5) == 0 {
        return;
    }
    let value = &mut row[col::VALUE];
    let whole = rng.u32(500..250_000);
    match rng.u8(0..3) {
        0 => write!(value, "{}", whole / 100 * 100),
        1 => write!(value, "{whole}"),
        _ => write!(value, "{whole}.{:02}", rng.u8(0..100)),
    }
    .expect("writing to a String cannot fail");
    row[col::CURRENCY].push_str(match rng.u8(0..20) {
        0..12 => "USD",
        12..17 => "EUR",
        _ => "GBP",
    });
}

/// About 30% no date; else a day of 2027 as YYYY-MM-DD.
fn write_date(rng: &mut fastrand::Rng, out: &mut String) {
    if rng.u8(0..10) < 3 {
        return;
    }
    const MONTH_DAYS: [u16; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut day = rng.u16(0..365);
    let mut month = 0;
    while day >= MONTH_DAYS[month] {
        day -= MONTH_DAYS[month];
        month += 1;
    }
    put!(out, "2027-{:02}-{:02}", month + 1, day + 1);
}

/// 0-2 labels: at most one temperature and at most one company size.
fn write_labels(rng: &mut fastrand::Rng, out: &mut String) {
    if rng.bool() {
        out.push_str(pick(rng, &["hot", "warm", "cold"]));
    }
    if rng.u8(0..10) < 4 {
        if !out.is_empty() {
            out.push(';');
        }
        out.push_str(pick(rng, &["enterprise", "smb"]));
    }
}

/// Breaks a freshly generated row in one realistic way.
fn break_row(rng: &mut fastrand::Rng, p: &Person, row: &mut Row) {
    let local = p.email.split('@').next().unwrap_or_default();
    match rng.u8(0..5) {
        0 => {
            row[col::EMAIL] = match rng.u8(0..3) {
                0 => format!("{local}@"),
                1 => p.email.replace('@', "."),
                _ => format!("{} {}@{}", p.first, p.last, pick(rng, FREE_MAIL)),
            }
        }
        1 => {
            for c in [
                col::FIRST,
                col::LAST,
                col::EMAIL,
                col::PHONE,
                col::COMPANY,
                col::WEBSITE,
            ] {
                row[c].clear();
            }
            let interest = row[col::TITLE].rsplit(" - ").next().unwrap_or_default();
            row[col::TITLE] = format!("Website inquiry - {interest}");
        }
        2 => {
            if row[col::VALUE].is_empty() {
                row[col::VALUE] = (rng.u32(5..2500) * 100).to_string();
            }
            row[col::CURRENCY].clear();
        }
        3 => row[col::CLOSE_DATE] = pick(rng, BAD_DATES).to_owned(),
        _ => [col::TITLE, col::COMPANY, col::WEBSITE]
            .into_iter()
            .for_each(|c| row[c].clear()),
    };
}

fn run(args: &Args, out: Box<dyn Write>) -> csv::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::with_capacity(1 << 16, out));
    writer.write_record(HEADER)?;
    let mut generator = Generator::new(args);
    let mut row = Row::default();
    for n in 1..=args.rows {
        generator.fill(n, &mut row);
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.duplicates + args.bad > 1.0 {
        eprintln!("leadsync-gen: --duplicates plus --bad must not exceed 1");
        return ExitCode::from(2);
    }
    let out: Box<dyn Write> = match &args.output {
        None => Box::new(io::stdout().lock()),
        Some(path) => match File::create(path) {
            Ok(file) => Box::new(file),
            Err(e) => {
                eprintln!("leadsync-gen: cannot create {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        },
    };
    match run(&args, out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.kind() {
            csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            _ => {
                eprintln!("leadsync-gen: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
