//! Mystery-shopper checklist rows (DESIGN §3.3), one per evaluation and item.

use super::*;
use crate::vocabulary::ItemResult;

pub struct Shopper;

pub(crate) const COLUMNS: &[&str] = &[
    "evaluation_id",
    "evaluated_at",
    "unit",
    "channel",
    "shopper_id",
    "scenario",
    "item",
    "result",
    "wait_seconds",
    "notes",
];

impl RowConverter for Shopper {
    fn columns(&self) -> &'static [&'static str] {
        COLUMNS
    }

    fn required(&self) -> &'static [&'static str] {
        &[
            "evaluation_id",
            "evaluated_at",
            "unit",
            "channel",
            "item",
            "result",
        ]
    }

    fn convert<'r>(
        &self,
        rec: &'r Record,
        ctx: &RowContext<'r>,
    ) -> Result<Converted<'r>, Rejection> {
        let id = required_text(rec, 0, "evaluation_id")?;
        let evaluated = required_timestamp(rec, 1, "evaluated_at", ctx)?;
        let unit_code = unit(required_text(rec, 2, "unit")?, "unit", ctx)?;
        let channel = channel(rec, 3, "channel")?
            .ok_or_else(|| Rejection::new("missing_value", "channel", "a value is required"))?;
        let item_raw = required_text(rec, 6, "item")?;
        let item = crate::vocabulary::fold_code(item_raw);
        let rubric = ctx.catalog.rubric_item(channel, &item).ok_or_else(|| {
            let known: Vec<&str> = ctx
                .catalog
                .rubric
                .iter()
                .filter(|r| r.channel == channel)
                .map(|r| r.item.as_str())
                .collect();
            Rejection::new(
                "unknown_item",
                "item",
                format!(
                    "`{}` is not in the {} rubric; expected one of {}",
                    values::shorten(item_raw),
                    channel,
                    known.join(", ")
                ),
            )
        })?;
        let result = ItemResult::parse(required_text(rec, 7, "result")?).ok_or_else(|| {
            Rejection::new(
                "bad_result",
                "result",
                format!(
                    "`{}` is not allowed; expected pass, fail or na",
                    values::shorten(&rec.values[7])
                ),
            )
        })?;
        let wait = values::parse_non_negative(&rec.values[8])
            .map_err(|m| Rejection::new("bad_number", "wait_seconds", m))?;
        let values = vec![
            text_val(id),
            Val::Ts(evaluated),
            text_val(unit_code),
            text_val(channel.code()),
            optional_text(rec, 4),
            redacted_text(rec, 5),
            Val::Text(std::borrow::Cow::Owned(rubric.item.clone())),
            text_val(result.code()),
            wait.map_or(Val::Null, Val::Float),
            redacted_text(rec, 9),
        ];
        Ok(Converted {
            values,
            event_at: evaluated,
            key_hash: key_hash(&[id, &rubric.item]),
        })
    }
}
