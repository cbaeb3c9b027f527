//! Survey responses (DESIGN §3.2).

use super::*;

pub struct Surveys;

pub(crate) const COLUMNS: &[&str] = &[
    "response_id",
    "survey",
    "submitted_at",
    "unit",
    "channel",
    "interaction_id",
    "respondent",
    "stakeholder",
    "kindness",
    "information_quality",
    "timeliness",
    "overall",
    "nps",
    "comment",
    "habeas_data",
];

impl RowConverter for Surveys {
    fn columns(&self) -> &'static [&'static str] {
        COLUMNS
    }

    fn required(&self) -> &'static [&'static str] {
        &["response_id", "survey", "submitted_at", "unit"]
    }

    fn convert<'r>(
        &self,
        rec: &'r Record,
        ctx: &RowContext<'r>,
    ) -> Result<Converted<'r>, Rejection> {
        let id = required_text(rec, 0, "response_id")?;
        let survey = required_text(rec, 1, "survey")?;
        let submitted = required_timestamp(rec, 2, "submitted_at", ctx)?;
        let unit_code = unit(required_text(rec, 3, "unit")?, "unit", ctx)?;
        let channel = channel(rec, 4, "channel")?;
        let stakeholder = stakeholder(rec, 7)?;
        let mut scale = [Val::Null, Val::Null, Val::Null, Val::Null, Val::Null];
        for (k, (col, lo, hi)) in [
            ("kindness", 1, 5),
            ("information_quality", 1, 5),
            ("timeliness", 1, 5),
            ("overall", 1, 5),
            ("nps", 0, 10),
        ]
        .into_iter()
        .enumerate()
        {
            scale[k] = values::parse_scale(&rec.values[8 + k], lo, hi)
                .map_err(|m| Rejection::new("out_of_range", col, m))?
                .map_or(Val::Null, Val::Int);
        }
        let habeas = boolean(rec, 14, "habeas_data")?;
        let respondent = pseudonym(rec, 6, "respondent", habeas, ctx)?;
        let [k, iq, t, o, nps] = scale;
        let values = vec![
            text_val(id),
            text_val(survey.fast_trim()),
            Val::Ts(submitted),
            text_val(unit_code),
            opt_code(channel, |c| c.code()),
            optional_text(rec, 5),
            respondent,
            opt_code(stakeholder, |s| s.code()),
            k,
            iq,
            t,
            o,
            nps,
            redacted_text(rec, 13),
            habeas.map_or(Val::Null, Val::Bool),
        ];
        Ok(Converted {
            values,
            event_at: submitted,
            key_hash: key_hash(&[id]),
        })
    }
}
