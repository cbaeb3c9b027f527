//! One-line meanings of every table and column analysts see, for `\d` in the shell and the
//! README. A test checks that every registered column has one.

/// (table, what one row is, [(column, meaning)])
pub type TableDoc = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const LINEAGE: [(&str, &str); 5] = [
    (
        "local_date",
        "local (America/Bogota) date of the event; the partition",
    ),
    (
        "batch_id",
        "ingestion batch that wrote the row (see _batches/ manifests)",
    ),
    ("source_file", "name of the input file the row came from"),
    ("source_line", "line (or sheet row) of the row in that file"),
    ("ingested_at", "when the batch was ingested (UTC)"),
];

macro_rules! with_lineage {
    ($($c:expr),* $(,)?) => {
        &[$($c,)* LINEAGE[0], LINEAGE[1], LINEAGE[2], LINEAGE[3], LINEAGE[4]]
    };
}

pub const TABLES: &[TableDoc] = &[
    (
        "interactions",
        "one contact (momento de verdad), latest version of its interaction_id",
        with_lineage![
            ("interaction_id", "id in the source system; a re-sent id replaces the older row"),
            ("channel", "phone, whatsapp, email, web_form, social, messenger, in_person"),
            ("unit", "catalog unit that owns the attention"),
            ("received_at", "when the person reached us (UTC)"),
            ("first_response_at", "first human answer (UTC); null = not answered"),
            ("resolved_at", "resolution or hang-up time (UTC)"),
            ("direction", "inbound or outbound (outbound is not scored for timeliness)"),
            ("touchpoint", "line or account inside the channel"),
            ("agent_id", "agent who attended"),
            ("topic", "topic of the contact (redacted text)"),
            ("contact_key", "HMAC-SHA256 pseudonym of the contact, only with habeas data; never the raw identifier"),
            ("stakeholder", "type of user (aspirante, estudiante, egresado, …)"),
            ("escalated_to", "catalog unit the request was escalated to"),
            ("escalated_at", "when it was escalated (UTC)"),
            ("escalation_answered_at", "when the escalated unit answered (UTC)"),
            ("outcome", "resolved, escalated, abandoned or pending"),
            ("habeas_data", "personal-data authorisation given (Ley 1581)"),
            ("protocol_greeting", "protocol step recorded by the source: greeting"),
            ("protocol_need_identified", "protocol step: need identified"),
            ("protocol_habeas_script", "protocol step: habeas-data script read"),
            ("protocol_request_processed", "protocol step: request processed"),
            ("notes", "free text with e-mails, phones and document numbers redacted"),
        ],
    ),
    (
        "surveys",
        "one survey response, latest version of its response_id",
        with_lineage![
            ("response_id", "id of the response in the survey tool"),
            ("survey", "instrument: mailing_pre_pos, entrevista_facultad, educacion_continua, post_crisis, telefonica, …"),
            ("submitted_at", "when it was answered (UTC)"),
            ("unit", "catalog unit evaluated"),
            ("channel", "channel of the attention evaluated (may be null)"),
            ("interaction_id", "the interaction evaluated, when linked"),
            ("respondent_key", "HMAC-SHA256 pseudonym of the respondent, only with habeas data"),
            ("stakeholder", "type of user"),
            ("kindness", "amabilidad, 1–5 (null = N/A)"),
            ("information_quality", "calidad de la información, 1–5"),
            ("timeliness", "oportunidad en la respuesta, 1–5"),
            ("overall", "overall satisfaction, 1–5 (CSAT = share of 4–5)"),
            ("nps", "likelihood to recommend, 0–10"),
            ("comment", "free text, redacted"),
            ("habeas_data", "personal-data authorisation given"),
        ],
    ),
    (
        "shopper",
        "one mystery-shopper checklist item of one evaluation",
        with_lineage![
            ("evaluation_id", "id of the evaluation (one visit, call or chat)"),
            ("evaluated_at", "when the evaluation took place (UTC)"),
            ("unit", "catalog unit evaluated"),
            ("channel", "channel evaluated"),
            ("shopper_id", "the evaluator"),
            ("scenario", "what the shopper asked (redacted text)"),
            ("item", "rubric item of the channel (catalog), e.g. greeting, correct_information"),
            ("result", "pass, fail or na"),
            ("wait_seconds", "waiting time measured by the shopper"),
            ("notes", "the shopper's notes, redacted"),
        ],
    ),
    (
        "quarantine",
        "one rejected input row",
        &[
            ("source", "interactions, surveys or shopper"),
            ("batch_id", "ingestion batch that rejected it"),
            ("source_file", "input file name"),
            ("source_line", "line (or sheet row) in that file"),
            ("reason_code", "stable code, e.g. unknown_unit, bad_timestamp"),
            ("reason", "what is wrong, in plain words"),
            ("column_name", "the column at fault, when one is"),
            ("raw", "the row's values as JSON, redacted; identifiers omitted"),
            ("quarantined_at", "when it was rejected (UTC)"),
        ],
    ),
    (
        "plans",
        "one improvement plan (DESIGN §6.6), opened by a needs_plan cell; re-measured by every `momentos plans`",
        &[
            ("plan_id", "<opened_period>.<unit>.<channel>.<attribute>, stable across refreshes"),
            ("unit", "catalog unit of the service"),
            ("channel", "channel of the service"),
            ("attribute", "kindness, information_quality or timeliness"),
            ("opened_period", "the period (YYYY-MM) whose needs_plan cell opened the plan"),
            ("opened_date", "day after that period ended (its report date), or the refresh day if earlier"),
            ("commitment_date", "opened_date + scoring.plan_commitment_days"),
            ("responsible", "person or role answering for the plan (catalog unit `responsible`)"),
            ("status", "open, overdue (commitment passed, not yet two periods measured), effective (lower ≥ target two consecutive periods after the commitment date) or not_effective"),
            ("score_at_open", "score of the cell that opened the plan"),
            ("lower_at_open", "its lower bound"),
            ("upper_at_open", "its upper bound"),
            ("target", "target of the cell"),
            ("n_at_open", "contributing observations of the cell"),
            ("causes", "cause analysis drafted from the evidence, one sentence per line"),
            ("actions", "suggested actions from the rule table (plans::actions), one per line"),
            ("evidence_note", "a redacted mystery-shopper note on the most failed item"),
            ("last_period", "latest complete period measured for the service"),
            ("last_score", "its score"),
            ("last_lower", "its lower bound"),
            ("n_periods_met", "periods after the commitment date whose lower bound reached the target"),
            ("updated_at", "when the plans were last refreshed (UTC)"),
        ],
    ),
    (
        "holidays",
        "one Colombian public holiday (1984–2100), as the business calendar sees it",
        &[
            ("date", "the (possibly moved) date of the holiday"),
            ("year", "calendar year"),
            ("name", "official name in Spanish"),
            ("rule", "fixed, moved_to_monday (Ley 51 de 1983) or easter_based"),
        ],
    ),
];

pub fn table(name: &str) -> Option<&'static TableDoc> {
    TABLES.iter().find(|t| t.0 == name)
}

pub fn column(table_name: &str, column: &str) -> Option<&'static str> {
    table(table_name)?
        .2
        .iter()
        .find(|c| c.0 == column)
        .map(|c| c.1)
}
