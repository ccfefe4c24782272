//! The sections of the monthly brief, one saved query (or two) each.

use rareflow_query::format::{
    add_months, fmt_number, fmt_pct, fmt_quantity, format_date, format_month,
};

use super::answer::{Answer, Context, Source};
use super::layout::{SIZE, chart_svg, figure};
use super::model::{ReportError, Section, SmallTable};
use super::story::{ABOVE_LOWS, AboveLows};
use crate::chart::{Chart, ChartError, Series};

pub(crate) const MAGNETS_TOTAL_MONTHLY: Source = Source {
    query: "magnets_total_monthly",
    columns: &["period", "tonnes", "mom_pct", "yoy_pct", "usd_million"],
};
pub(crate) const MAGNETS_BY_DESTINATION: Source = Source {
    query: "magnets_by_destination",
    columns: &[
        "partner",
        "partner_name",
        "tonnes",
        "prev_month_tonnes",
        "mom_pct",
        "share_pct",
    ],
};
pub(crate) const LOWEST_SINCE: Source = Source {
    query: "lowest_since",
    columns: &["lowest_since", "tonnes_then"],
};
pub(crate) const ELEMENT_EXPORTS_MONTHLY: Source = Source {
    query: "element_exports_monthly",
    columns: &["period", "kg"],
};
pub(crate) const HEADLINE_MONTHLY: Source = Source {
    query: "headline_monthly",
    columns: &[
        "period",
        "months",
        "unit",
        "quantity",
        "mom_pct",
        "yoy_pct",
        "usd_million",
    ],
};
pub(crate) const MIRROR_MAGNETS_US: Source = Source {
    query: "mirror_magnets_us",
    columns: &[
        "period",
        "china_reports_t",
        "us_reports_next_month_t",
        "gap_lag1_pct",
    ],
};

/// Magnet exports in total: the month, MoM, YoY, dollars; a line over two years.
pub(crate) async fn magnets_total(ctx: &Context<'_>) -> Result<Section, ReportError> {
    let a = ctx
        .run(
            &MAGNETS_TOTAL_MONTHLY,
            &[("from", ctx.month(-23)), ("to", ctx.month(0))],
        )
        .await?;
    let t = &a;
    let row = t.find_date("period", ctx.day);
    let get = |c: &str| row.and_then(|r| t.get(r, c).number());
    // the month or year before may precede the China Customs detail loaded
    let gap = |months: i32| {
        ctx.reach
            .gap("gacc", "China Customs detail", add_months(ctx.day, months))
    };
    let (mom, yoy) = (get("mom_pct"), get("yoy_pct"));
    let (mom_gap, yoy_gap) = (
        gap(-1).filter(|_| mom.is_none()),
        gap(-12).filter(|_| yoy.is_none()),
    );
    let mut changes = Vec::new();
    if mom_gap.is_none() {
        changes.push(format!("{} on the month before", fmt_pct(mom)));
    }
    if yoy_gap.is_none() {
        changes.push(format!("{} on the year before", fmt_pct(yoy)));
    }
    let mut summary = format!(
        "China exported {} of rare-earth permanent magnets (HS 8505.1110) in {}",
        fmt_quantity(get("tonnes"), "t"),
        ctx.month(0)
    );
    if !changes.is_empty() {
        summary.push_str(&format!(", {}", changes.join(" and ")));
    }
    summary.push('.');
    if let Some(words) = mom_gap.as_ref().or(yoy_gap.as_ref()) {
        summary.push_str(&format!(" {words}."));
    }
    let figures = vec![
        figure(
            "Rare-earth magnet exports, all destinations",
            fmt_quantity(get("tonnes"), "t"),
            mom_gap
                .clone()
                .unwrap_or_else(|| format!("{} on the month before", fmt_pct(mom))),
            &a.source,
        ),
        figure(
            "Year on year",
            match &yoy_gap {
                Some(_) => "no comparison".into(),
                None => fmt_pct(yoy),
            },
            yoy_gap.unwrap_or_else(|| format!("against {}", ctx.month(-12))),
            &a.source,
        ),
        figure(
            "Value",
            get("usd_million")
                .map_or_else(|| "n/a".into(), |v| format!("US$ {} m", fmt_number(v, 1))),
            "free on board, as China Customs reports it".into(),
            &a.source,
        ),
    ];
    Ok(Section {
        id: "magnets".into(),
        title: "Magnet exports".into(),
        summary,
        chart_svg: chart_svg(
            &a,
            "Rare-earth magnet exports, tonnes per month",
            ctx.events,
        )?,
        figures,
        table: None,
        sources: vec![a.source],
    })
}

/// Magnets by destination, the US highlighted, and the US "lowest since".
pub(crate) async fn destinations(ctx: &Context<'_>) -> Result<Section, ReportError> {
    let a = ctx
        .run(&MAGNETS_BY_DESTINATION, &[("month", ctx.month(0))])
        .await?;
    let low = ctx
        .run(
            &LOWEST_SINCE,
            &[("partner", "USA".into()), ("month", ctx.month(0))],
        )
        .await?;
    // `since` left to the query's default, the start of licensing
    let above = ctx
        .run(
            &ABOVE_LOWS,
            &[("partner", "USA".into()), ("month", ctx.month(0))],
        )
        .await?;
    let t = &a;
    let us = t.find("partner", "USA");
    let get = |c: &str| us.and_then(|r| t.get(r, c).number());
    let since = low.get(0, "lowest_since").date();
    let lowest = match (us, since) {
        (None, _) => "n/a".to_owned(),
        (Some(_), Some(d)) => format!("lowest since {}", &format_date(d)[..7]),
        (Some(_), None) => "lowest in the series".to_owned(),
    };
    let mut figures = vec![
        figure(
            "Magnets to the United States",
            fmt_quantity(get("tonnes"), "t"),
            format!(
                "{} from {} in {}",
                fmt_pct(get("mom_pct")),
                fmt_quantity(get("prev_month_tonnes"), "t"),
                ctx.month(-1)
            ),
            &a.source,
        ),
        figure(
            "US share of magnet exports",
            get("share_pct").map_or_else(|| "n/a".into(), |v| format!("{}%", fmt_number(v, 1))),
            match us {
                Some(r) => format!("rank {} of {} destinations", r + 1, t.len()),
                None => "no exports to the US this month".into(),
            },
            &a.source,
        ),
        figure(
            "US, lowest since",
            since.map_or_else(|| lowest.clone(), |d| format_date(d)[..7].to_owned()),
            match low.get(0, "tonnes_then").number() {
                Some(v) => format!("the last month as low: {}", fmt_quantity(Some(v), "t")),
                None => lowest.clone(),
            },
            &low.source,
        ),
    ];
    let above_lows = AboveLows::read(&above, ctx.day);
    if let Some(low) = &above_lows {
        figures.push(figure(
            &format!("US against the {} low", low.month_word),
            format!("{}×", fmt_number(low.times_since, 1)),
            low.note(),
            &above.source,
        ));
    }
    figures[0].highlight = true;
    let table = SmallTable {
        header: ["destination", "tonnes", "month before", "MoM", "share"]
            .map(String::from)
            .to_vec(),
        rows: (0..t.len().min(10))
            .map(|r| {
                vec![
                    format!(
                        "{} ({})",
                        t.get(r, "partner_name").text(),
                        t.get(r, "partner").text()
                    ),
                    fmt_quantity(t.get(r, "tonnes").number(), "t"),
                    fmt_quantity(t.get(r, "prev_month_tonnes").number(), "t"),
                    fmt_pct(t.get(r, "mom_pct").number()),
                    t.get(r, "share_pct")
                        .number()
                        .map_or_else(|| "n/a".into(), |v| format!("{}%", fmt_number(v, 1))),
                ]
            })
            .collect(),
        highlight: (0..t.len().min(10)).map(|r| Some(r) == us).collect(),
    };
    let leader = if t.len() == 0 {
        "no destination".to_owned()
    } else {
        format!(
            "{} ({})",
            t.get(0, "partner_name").text(),
            fmt_quantity(t.get(0, "tonnes").number(), "t")
        )
    };
    Ok(Section {
        id: "destinations".into(),
        title: "By destination".into(),
        summary: format!(
            "The largest destination was {leader}. The United States took {} ({} on the month before, {} of the total), {lowest}{}.",
            fmt_quantity(get("tonnes"), "t"),
            fmt_pct(get("mom_pct")),
            get("share_pct").map_or_else(|| "n/a".into(), |v| format!("{}%", fmt_number(v, 1))),
            above_lows
                .as_ref()
                .map_or_else(String::new, AboveLows::clause)
        ),
        chart_svg: chart_svg(
            &a,
            &format!("Magnet exports by destination, {}, tonnes", ctx.month(0)),
            &[],
        )?,
        figures,
        table: Some(table),
        sources: vec![a.source, low.source, above.source],
    })
}

/// Dysprosium and terbium by month, kg.
pub(crate) async fn elements(ctx: &Context<'_>) -> Result<Section, ReportError> {
    let mut figures = Vec::new();
    let mut series = Vec::new();
    let mut sources = Vec::new();
    for (symbol, name) in [("Dy", "Dysprosium"), ("Tb", "Terbium")] {
        let a = ctx
            .run(
                &ELEMENT_EXPORTS_MONTHLY,
                &[
                    ("element", symbol.into()),
                    ("from", ctx.month(-17)),
                    ("to", ctx.month(0)),
                ],
            )
            .await?;
        let t = &a;
        let at = |day: i32| {
            t.find_date("period", day)
                .and_then(|r| t.get(r, "kg").number())
        };
        let prev_day = add_months(ctx.day, -1);
        figures.push(figure(
            &format!("{name} ({symbol}) exports"),
            fmt_quantity(at(ctx.day), "kg"),
            format!("{} in {}", fmt_quantity(at(prev_day), "kg"), ctx.month(-1)),
            &a.source,
        ));
        series.push(Series {
            name: format!("{name} ({symbol})"),
            points: period_points(t, "kg"),
        });
        sources.push(a.source);
    }
    let chart = match Chart::lines(
        "Dysprosium and terbium exports (metals, oxides, compounds), kg per month".into(),
        "kg".into(),
        series,
        ctx.events,
    ) {
        Ok(c) => c.to_svg(SIZE)?,
        Err(ChartError::Empty) => String::new(),
        Err(e) => return Err(e.into()),
    };
    Ok(Section {
        id: "elements".into(),
        title: "Dysprosium and terbium".into(),
        summary: format!(
            "Two of the seven elements under licence since 2025-04-04: {} of dysprosium and {} of terbium in {}.",
            figures[0].value,
            figures[1].value,
            ctx.month(0)
        ),
        chart_svg: chart,
        figures,
        table: None,
        sources,
    })
}

fn period_points(t: &Answer, column: &str) -> Vec<(i32, f64)> {
    (0..t.len())
        .filter_map(|r| Some((t.get(r, "period").date()?, t.get(r, column).number()?)))
        .collect()
}

/// China's headline 稀土 series.
pub(crate) async fn headline(ctx: &Context<'_>) -> Result<Section, ReportError> {
    let a = ctx
        .run(
            &HEADLINE_MONTHLY,
            &[("from", ctx.month(-23)), ("to", ctx.month(0))],
        )
        .await?;
    let t = &a;
    // January and February are one period (period January, months 2): the row covering
    // the month, so that February reads the two months' figure
    let covering = |day: i32| {
        (0..t.len()).find(|&r| {
            let (Some(p), Some(m)) = (t.get(r, "period").date(), t.get(r, "months").number())
            else {
                return false;
            };
            p <= day && day < add_months(p, m as i32)
        })
    };
    let two_months = |r: Option<usize>| r.and_then(|r| t.get(r, "months").number()) == Some(2.0);
    let row = covering(ctx.day);
    let get = |c: &str| row.and_then(|r| t.get(r, c).number());
    let period = match row.and_then(|r| t.get(r, "period").date()) {
        Some(p) if two_months(row) => format!(
            "{} and {} together",
            format_month(p),
            format_month(add_months(p, 1))
        ),
        _ => ctx.month(0),
    };
    let mom = match get("mom_pct") {
        Some(v) => format!("{} on the month before", fmt_pct(Some(v))),
        None if two_months(row) => "a two-month period: no month before to compare".into(),
        None if two_months(covering(add_months(ctx.day, -1))) => {
            "no single month before to compare: January and February are one period".into()
        }
        None => format!("no figure for {} to compare", ctx.month(-1)),
    };
    let lag = ctx
        .reach
        .gap("gacc-headline", "China Customs' headline series", ctx.day)
        .filter(|_| row.is_none());
    let unit = row.map(|r| t.get(r, "unit").text()).unwrap_or_default();
    let unit = if unit == "tonnes" {
        "t".to_owned()
    } else {
        unit
    };
    let figures = match &lag {
        Some(words) => vec![
            figure(
                "Headline rare-earth exports",
                "not yet".into(),
                words.clone(),
                &a.source,
            ),
            figure(
                "Headline, year on year",
                "not yet".into(),
                String::new(),
                &a.source,
            ),
        ],
        None => vec![
            figure(
                "Headline rare-earth exports",
                fmt_quantity(get("quantity"), &unit),
                mom,
                &a.source,
            ),
            figure(
                "Headline, year on year",
                fmt_pct(get("yoy_pct")),
                get("usd_million")
                    .map_or_else(String::new, |v| format!("US$ {} m", fmt_number(v, 1))),
                &a.source,
            ),
        ],
    };
    let was = match &lag {
        Some(words) => format!("has no figure for {}: {words}", ctx.month(0)),
        None => format!("was {} in {period}", fmt_quantity(get("quantity"), &unit)),
    };
    Ok(Section {
        id: "headline".into(),
        title: "Headline rare earths".into(),
        summary: format!(
            "China Customs' headline 稀土 series (ores, metals, oxides and compounds; not magnets) {was}. January and February are published together, so they form one period."
        ),
        chart_svg: chart_svg(
            &a,
            "China's headline rare-earth exports, tonnes (Jan-Feb as one period)",
            ctx.events,
        )?,
        figures,
        table: None,
        sources: vec![a.source],
    })
}

/// China's magnet exports to the US against what the US records arriving.
pub(crate) async fn mirror(ctx: &Context<'_>) -> Result<Section, ReportError> {
    let a = ctx
        .run(
            &MIRROR_MAGNETS_US,
            &[("from", ctx.month(-10)), ("to", ctx.month(0))],
        )
        .await?;
    let t = &a;
    let row = t.find_date("period", ctx.day);
    let get = |c: &str| row.and_then(|r| t.get(r, c).number());
    // the US figure is a month later, which US Census data may not reach yet
    let lag = ctx
        .reach
        .gap("census", "US Census data", add_months(ctx.day, 1));
    let us_value = |c: &str| match &lag {
        Some(_) => "not yet".to_owned(),
        None => fmt_quantity(get(c), "t"),
    };
    let figures = vec![
        figure(
            "China reports (exports to the US)",
            fmt_quantity(get("china_reports_t"), "t"),
            ctx.month(0),
            &a.source,
        ),
        figure(
            "US reports (imports from China, a month later)",
            us_value("us_reports_next_month_t"),
            lag.clone().unwrap_or_else(|| ctx.month(1)),
            &a.source,
        ),
        figure(
            "Gap, one-month lag",
            match &lag {
                Some(_) => "not yet".to_owned(),
                None => fmt_pct(get("gap_lag1_pct")),
            },
            "US-recorded against China-recorded tonnes".into(),
            &a.source,
        ),
    ];
    let mut summary = "Magnets leave China and arrive in US statistics about a month later; the gap compares China's month with the US's next month.".to_owned();
    if let Some(words) = &lag {
        summary.push_str(&format!(" {words}."));
    }
    Ok(Section {
        id: "mirror".into(),
        title: "US mirror statistics".into(),
        summary,
        chart_svg: chart_svg(
            &a,
            "Magnets, China to the US: China's and the US's figures, tonnes",
            ctx.events,
        )?,
        figures,
        table: None,
        sources: vec![a.source],
    })
}
