//! The story the November 2025 reporting tells: finished magnets shipped while raw materials
//! were held back (`finished_vs_raw`), the policy timeline with the months around each
//! event (`licence_timeline`), and how far a month stands above the lows after licensing
//! began (`above_lows`, read by the destination section).

use rareflow_query::format::{
    add_months, fmt_number, fmt_quantity, format_date, format_month, month_name,
};

use super::answer::{Answer, Context, Source};
use super::layout::{chart_svg_titled, figure};
use super::model::{ReportError, Section, SmallTable};

pub(crate) const LICENCE_TIMELINE: Source = Source {
    query: "licence_timeline",
    columns: &[
        "event_date",
        "authority",
        "reference",
        "description",
        "partner_before_t",
        "partner_month_t",
        "partner_after_t",
        "all_before_t",
        "all_month_t",
        "all_after_t",
    ],
};
pub(crate) const FINISHED_VS_RAW: Source = Source {
    query: "finished_vs_raw",
    columns: &[
        "period",
        "magnets_t",
        "raw_t",
        "dy_kg",
        "tb_kg",
        "magnets_per_raw_t",
        "magnets_share_pct",
    ],
};

/// One month of `finished_vs_raw`.
struct Month {
    magnets_t: Option<f64>,
    raw_t: Option<f64>,
    dy_kg: Option<f64>,
    tb_kg: Option<f64>,
    per_raw: Option<f64>,
    share_pct: Option<f64>,
}

impl Month {
    fn read(a: &Answer, day: i32) -> Option<Month> {
        let r = a.find_date("period", day)?;
        let n = |c: &str| a.get(r, c).number();
        Some(Month {
            magnets_t: n("magnets_t"),
            raw_t: n("raw_t"),
            dy_kg: n("dy_kg"),
            tb_kg: n("tb_kg"),
            per_raw: n("magnets_per_raw_t"),
            share_pct: n("magnets_share_pct"),
        })
    }
}

/// `fell 11.3% on the month to 582 t`; `were 582 t` without a month before to compare.
fn change(now: Option<f64>, before: Option<f64>, on_the_month: &str) -> String {
    let now_t = fmt_quantity(now, "t");
    match (now, before) {
        (Some(n), Some(b)) if b > 0.0 => {
            let pct = 100.0 * (n / b - 1.0);
            if fmt_number(pct.abs(), 1) == "0.0" {
                format!("held at {now_t}")
            } else if pct > 0.0 {
                format!("rose {}%{on_the_month} to {now_t}", fmt_number(pct, 1))
            } else {
                format!("fell {}%{on_the_month} to {now_t}", fmt_number(-pct, 1))
            }
        }
        _ => format!("were {now_t}"),
    }
}

fn element(name: &str, kg: Option<f64>) -> String {
    match kg {
        Some(v) if v > 0.0 => format!("{name} {}", fmt_quantity(Some(v), "kg")),
        _ => format!("no {name}"),
    }
}

/// One sentence: what grew and what did not, to `whom`, in the month against the month
/// before.
fn sentence(
    whom: &str,
    month: &str,
    now: Option<&Month>,
    before: Option<&Month>,
    prev: &str,
) -> String {
    let Some(now) = now else {
        return format!("To {whom}, no rare-earth products were recorded in {month}.");
    };
    let magnets = change(
        now.magnets_t,
        before.and_then(|b| b.magnets_t),
        " on the month",
    );
    let raw = change(now.raw_t, before.and_then(|b| b.raw_t), "");
    // "and" when both moved the same way, "while" when they parted
    let same_way = magnets.split(' ').next() == raw.split(' ').next();
    let ratio = match (now.per_raw, before.and_then(|b| b.per_raw)) {
        (Some(n), Some(b)) => format!(
            "{} t of magnets per tonne of raw materials, against {} in {prev}",
            fmt_number(n, 2),
            fmt_number(b, 2)
        ),
        (Some(n), None) => format!(
            "{} t of magnets per tonne of raw materials",
            fmt_number(n, 2)
        ),
        (None, _) => "no raw materials to set magnets against".to_owned(),
    };
    format!(
        "To {whom}, magnets {magnets} {} raw materials {raw} ({}, {}): {ratio}; magnets were {} of the rare-earth products shipped there.",
        if same_way { "and" } else { "while" },
        element("dysprosium", now.dy_kg),
        element("terbium", now.tb_kg),
        now.share_pct
            .map_or_else(|| "n/a".into(), |v| format!("{}%", fmt_number(v, 1))),
    )
}

/// Finished magnets against raw materials, to the US and to all destinations: a chart of
/// the US over two years and a sentence for each.
pub(crate) async fn finished_vs_raw(ctx: &Context<'_>) -> Result<Section, ReportError> {
    let range = [("from", ctx.month(-23)), ("to", ctx.month(0))];
    let params = |partner: &str| {
        let mut p = vec![("partner", partner.to_owned())];
        p.extend(range.iter().cloned());
        p
    };
    let us = ctx.run(&FINISHED_VS_RAW, &params("USA")).await?;
    let all = ctx.run(&FINISHED_VS_RAW, &params("ALL")).await?;
    let prev_day = add_months(ctx.day, -1);
    let (month, prev) = (ctx.month(0), ctx.month(-1));
    let mut summary = Vec::new();
    let mut figures = Vec::new();
    for (answer, whom, short) in [
        (&us, "the United States", "US"),
        (&all, "all destinations", "all destinations"),
    ] {
        let now = Month::read(answer, ctx.day);
        let before = Month::read(answer, prev_day);
        summary.push(sentence(whom, &month, now.as_ref(), before.as_ref(), &prev));
        let ratio = now.as_ref().and_then(|m| m.per_raw);
        figures.push(figure(
            &format!("Magnets per tonne of raw materials, {short}"),
            ratio.map_or_else(|| "n/a".into(), |v| fmt_number(v, 2)),
            match before.as_ref().and_then(|m| m.per_raw) {
                Some(b) => format!("{} in {prev}", fmt_number(b, 2)),
                None => format!("none in {prev}"),
            },
            &answer.source,
        ));
    }
    Ok(Section {
        id: "finished-raw".into(),
        title: "Finished goods and raw materials".into(),
        summary: summary.join(" "),
        chart_svg: chart_svg_titled(
            &us,
            "Finished magnets against raw materials to the United States, tonnes per month",
            ctx.events,
        )?,
        figures,
        table: None,
        sources: vec![us.source, all.source],
    })
}

pub(crate) const ABOVE_LOWS: Source = Source {
    query: "above_lows",
    columns: &[
        "tonnes",
        "since",
        "since_tonnes",
        "times_since",
        "lowest_period",
        "lowest_tonnes",
        "times_lowest",
    ],
};

/// The export-control timeline up to the end of the month (`licence_timeline`), with
/// magnet tonnes in the month before each event, its month and the month after, to the US
/// and to all destinations. Months after the brief's month are left out, as the brief
/// tells the story as it stood then.
pub(crate) async fn policy(ctx: &Context<'_>) -> Result<Section, ReportError> {
    let a = ctx
        .run(&LICENCE_TIMELINE, &[("partner", "USA".into())])
        .await?;
    let month = ctx.month(0);
    let end = add_months(ctx.day, 1);
    let rows: Vec<usize> = (0..a.len())
        .filter(|&r| a.get(r, "event_date").date().is_some_and(|d| d < end))
        .collect();
    let tonnes = |r: usize, side: &str| {
        let event = a.get(r, "event_date").date().unwrap_or(ctx.day);
        let cells = [("before", -1), ("month", 0), ("after", 1)].map(|(when, offset)| {
            if add_months(event, offset) >= end {
                "later".to_owned()
            } else {
                match a.get(r, &format!("{side}_{when}_t")).number() {
                    // whole tonnes without decimals, as fmt_quantity writes them
                    Some(v) => fmt_number(v, if v.fract() == 0.0 { 0 } else { 1 }),
                    None => "no data".into(),
                }
            }
        });
        cells.join(" / ")
    };
    let table = SmallTable {
        header: [
            "date",
            "authority",
            "announcement",
            "what",
            "magnets to the US, t (month before / of / after)",
            "all destinations, t",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .map(|&r| {
                let date = a
                    .get(r, "event_date")
                    .date()
                    .map_or_else(String::new, format_date);
                vec![
                    date,
                    a.get(r, "authority").text(),
                    a.get(r, "reference").text(),
                    a.get(r, "description").text(),
                    tonnes(r, "partner"),
                    tonnes(r, "all"),
                ]
            })
            .collect(),
        highlight: rows
            .iter()
            .map(|&r| {
                a.get(r, "event_date")
                    .date()
                    .is_some_and(|d| format_month(d) == month)
            })
            .collect(),
    };
    let in_month = table.highlight.iter().filter(|h| **h).count();
    Ok(Section {
        id: "policy".into(),
        title: "Policy timeline".into(),
        summary: format!(
            "Export-control events up to the end of {month} ({in_month} in the month, highlighted), with magnet exports in the month before each, its month and the month after."
        ),
        figures: Vec::new(),
        chart_svg: String::new(),
        table: Some(table),
        sources: vec![a.source],
    })
}

/// The month against the lows after the start of licensing (`above_lows`), for a month
/// after that start with US exports.
pub(crate) struct AboveLows {
    /// `April`: the month lows are counted from.
    pub(crate) month_word: String,
    tonnes: f64,
    since_tonnes: f64,
    pub(crate) times_since: f64,
    /// The lowest month from then to the month before, its tonnes, and how many times.
    lowest: Option<(i32, f64, f64)>,
}

impl AboveLows {
    pub(crate) fn read(a: &Answer, day: i32) -> Option<AboveLows> {
        let since = a.get(0, "since").date().filter(|s| *s < day)?;
        let name = month_name(since);
        let lowest = a.get(0, "lowest_period").date().and_then(|p| {
            Some((
                p,
                a.get(0, "lowest_tonnes").number()?,
                a.get(0, "times_lowest").number()?,
            ))
        });
        Some(AboveLows {
            month_word: name.split(' ').next().unwrap_or(&name).to_owned(),
            tonnes: a.get(0, "tonnes").number()?,
            since_tonnes: a.get(0, "since_tonnes").number()?,
            times_since: a.get(0, "times_since").number()?,
            lowest,
        })
    }

    /// `, still above the April low (274.5 t): 2.1 times April and 12.7 times the lowest
    /// month since then, 2025-05 (46 t)`
    pub(crate) fn clause(&self) -> String {
        let side = if self.tonnes > self.since_tonnes {
            "still above"
        } else if self.tonnes < self.since_tonnes {
            "below"
        } else {
            "level with"
        };
        let mut text = format!(
            ", {side} the {} low ({}): {} times {}",
            self.month_word,
            fmt_quantity(Some(self.since_tonnes), "t"),
            fmt_number(self.times_since, 1),
            self.month_word
        );
        if let Some((period, tonnes, times)) = self.lowest {
            text.push_str(&format!(
                " and {} times the lowest month since then, {} ({})",
                fmt_number(times, 1),
                format_month(period),
                fmt_quantity(Some(tonnes), "t")
            ));
        }
        text
    }

    /// `274.5 t in April; 12.7× the 2025-05 low (46 t)`
    pub(crate) fn note(&self) -> String {
        let mut text = format!(
            "{} in {}",
            fmt_quantity(Some(self.since_tonnes), "t"),
            self.month_word
        );
        if let Some((period, tonnes, times)) = self.lowest {
            text.push_str(&format!(
                "; {}× the {} low ({})",
                fmt_number(times, 1),
                format_month(period),
                fmt_quantity(Some(tonnes), "t")
            ));
        }
        text
    }
}
