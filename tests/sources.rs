//! Real vendor exports through `momentos ingest --source` (DESIGN §3.5): the shipped source
//! and mapping files of `sources/` with the fixtures of tests/fixtures/vendors/ (written by
//! make_fixtures.py from the vendors' writers).

mod util;

use std::path::{Path, PathBuf};

use util::Fixture;

fn vendor(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/vendors")
        .join(name)
}

/// A project folder with the repository's `sources/` copied in.
fn project() -> Fixture {
    let f = Fixture::new();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("sources");
    let to = f.path("sources");
    std::fs::create_dir_all(to.join("mappings")).unwrap();
    for sub in ["", "mappings"] {
        for e in std::fs::read_dir(from.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, to.join(sub).join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    f
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ingest_source(f: &Fixture, source: &str, file: &Path) -> std::process::Output {
    f.cmd()
        .args(["ingest", "--source", source])
        .arg(file)
        .output()
        .unwrap()
}

#[test]
fn asterisk_cdr_calls_answers_abandons_and_lineage() {
    let f = project();
    let out = ingest_source(&f, "pbx_poblado", &vendor("Master.csv"));
    let (so, se) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{so}\n{se}");
    assert!(so.contains("1 omitidas: llamadas internas"), "{so}");
    let rows = f.sql_csv(
        "select interaction_id, direction, outcome, agent_id, unit, touchpoint, \
         cast(first_response_at as varchar), \
         cast(extract(epoch from first_response_at) - extract(epoch from received_at) as bigint), \
         cast(extract(epoch from resolved_at) - extract(epoch from received_at) as bigint), \
         contact_key is not null, habeas_data \
         from interactions order by interaction_id",
    );
    assert_eq!(
        rows,
        vec![
            // A: IVR answered at +1 s (a machine); agent 1001 answered at +65 s.
            "1759672800.1,inbound,,1001,admisiones,sede_poblado,2026-10-05T13:01:05Z,65,300,true,true",
            // B: 018000 line, abandoned in the queue; no habeas, no contact.
            "1759676400.4,inbound,abandoned,,admisiones,linea_018000,,,120,false,false",
            // C: withheld caller id, hung up in the IVR after 3 s (ANSWERED by a machine).
            "1759680000.6,inbound,abandoned,,admisiones,sede_poblado,,,3,false,false",
            // E: queue posgrados; 1001 answered, then a transfer to 1003 (first answer wins).
            "1759683600.9,inbound,,1001,mercadeo_posgrado,sede_poblado,2026-10-05T16:00:30Z,30,540,false,false",
            // D: the queue timed out and VoiceMail answered: a machine, so abandoned.
            "1759685400.7,inbound,abandoned,,admisiones,sede_poblado,,,100,true,true",
            // F: an agent's call out through the trunk (no first response: not an inbound contact).
            "1759690800.12,outbound,,1002,admisiones,,,,240,false,false",
        ]
    );
    // Lineage: the source and file, and the Master.csv line of the call's first leg.
    let lineage = f.sql_csv(
        "select interaction_id, source_file, source_line from interactions order by interaction_id",
    );
    assert_eq!(lineage[0], "1759672800.1,pbx_poblado:Master.csv,1");
    // One person, one key: calls A and D come from +573186727815 and 3186727815.
    let keys = f.sql_csv(
        "select contact_key from interactions where contact_key is not null order by interaction_id",
    );
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);
    // The same file again adds nothing.
    let again = ingest_source(&f, "pbx_poblado", &vendor("Master.csv"));
    assert!(
        text(&again.stdout).contains("ya ingerido"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(f.count("select count(*) from interactions"), 6);
}

#[test]
fn survey_tools_limesurvey_google_forms_qualtrics() {
    let f = project();
    let lime = ingest_source(&f, "encuesta_mailing", &vendor("limesurvey_results.csv"));
    let so = text(&lime.stdout);
    assert_eq!(lime.status.code(), Some(0), "{so}\n{}", text(&lime.stderr));
    assert!(so.contains("1 omitidas: respuestas incompletas"), "{so}");
    let rows = f.sql_csv(
        "select response_id, survey, unit, channel, kindness, information_quality, timeliness, \
         overall, nps, respondent_key is not null, habeas_data, comment \
         from surveys where survey = 'mailing_pre_pos' order by response_id",
    );
    assert_eq!(
        rows,
        vec![
            "1,mailing_pre_pos,admisiones,phone,5,4,3,5,10,true,true,Muy buena atención; me escriben a [correo]",
            // "NA" (No aplica) is no answer; NPS A0 is 0; no habeas: no respondent key.
            "3,mailing_pre_pos,mercadeo_posgrado,whatsapp,,2,1,2,0,false,false,Nadie contestó",
        ]
    );

    let q = ingest_source(
        &f,
        "encuesta_educacion_continua",
        &vendor("qualtrics_export.csv"),
    );
    let so = text(&q.stdout);
    assert_eq!(q.status.code(), Some(0), "{so}\n{}", text(&q.stderr));
    assert!(so.contains("1 omitidas: vistas previas"), "{so}");
    assert!(so.contains("1 omitidas: respuestas sin terminar"), "{so}");
    let rows = f.sql_csv(
        "select response_id, unit, kindness, nps, cast(submitted_at as varchar), comment \
         from surveys where survey = 'educacion_continua' order by response_id",
    );
    assert_eq!(
        rows,
        vec![
            "R_1AbCdEfGhIjKlMn,educacion_continua,5,10,2026-10-07T15:04:01Z,Excelente",
            "R_4ZyXwVuTsRqPoNm,educacion_continua,2,4,2026-10-08T14:03:02Z,Llamé al [telefono] y nadie contestó",
        ]
    );

    let g = ingest_source(
        &f,
        "encuesta_telefonica",
        &vendor("google_forms_respuestas.csv"),
    );
    assert_eq!(
        g.status.code(),
        Some(0),
        "{}\n{}",
        text(&g.stdout),
        text(&g.stderr)
    );
    let rows = f.sql_csv(
        "select cast(submitted_at as varchar) as t, channel, kindness, information_quality, nps, habeas_data, \
         respondent_key is not null, starts_with(response_id, 'encuesta_telefonica-') \
         from surveys where survey = 'telefonica' order by t, comment",
    );
    assert_eq!(
        rows,
        vec![
            // Day-first: 5/10/2026 is 5 October.
            "2026-10-05T19:03:22Z,phone,5,4,9,true,true,true",
            "2026-10-12T13:05:09Z,whatsapp,,2,3,false,false,true",
            "2026-10-12T13:05:09Z,whatsapp,,2,3,false,false,true",
        ]
    );
    // The synthesised ids are stable: the same export again adds nothing.
    let again = ingest_source(
        &f,
        "encuesta_telefonica",
        &vendor("google_forms_respuestas.csv"),
    );
    assert!(text(&again.stdout).contains("ya ingerido"));
}

#[test]
fn one_person_one_key_across_pbx_and_surveys_and_no_raw_identifier_in_the_lake() {
    let f = project();
    assert_eq!(
        ingest_source(&f, "pbx_poblado", &vendor("Master.csv"))
            .status
            .code(),
        Some(0)
    );
    for (s, file) in [
        ("encuesta_telefonica", "google_forms_respuestas.csv"),
        ("encuesta_mailing", "limesurvey_results.csv"),
        ("encuesta_educacion_continua", "qualtrics_export.csv"),
    ] {
        let out = ingest_source(&f, s, &vendor(file));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let shared = f.count(
        "select count(*) from interactions i join surveys s on i.contact_key = s.respondent_key \
         where i.interaction_id = '1759672800.1' and s.survey = 'telefonica'",
    );
    assert_eq!(shared, 1);
    // LimeSurvey's " Ana.Perez@Example.com " and Qualtrics' "ana.perez@example.com".
    let emails = f.count(
        "select count(distinct respondent_key) from surveys \
         where response_id in ('1', 'R_1AbCdEfGhIjKlMn')",
    );
    assert_eq!(emails, 1);
    let raw = [
        "3186727815",
        "318 672 7815",
        "573001112233",
        "3001112233",
        "6045551234",
        "3004445566",
        "ana.perez@example.com",
        "Ana.Perez@Example.com",
        "juan@example.com",
        "pedro@example.com",
        "181.49.12.3",
    ];
    let files = f.lake_files();
    assert!(files.len() >= 4);
    assert_nothing_raw(&files, &raw);
}

/// No lake file holds any of `raw`'s bytes.
fn assert_nothing_raw<S: AsRef<str>>(files: &[PathBuf], raw: &[S]) {
    for file in files {
        let bytes = std::fs::read(file).unwrap();
        for r in raw.iter().map(AsRef::as_ref) {
            assert!(
                !bytes.windows(r.len()).any(|w| w == r.as_bytes()),
                "{r} found in {}",
                file.display()
            );
        }
    }
}

#[test]
fn a_vendor_file_given_as_canonical_is_recognised() {
    let f = project();
    let out = f.ingest("interactions", &vendor("Master.csv"));
    assert_eq!(out.status.code(), Some(1));
    let se = text(&out.stderr);
    assert!(
        se.contains("parece un CDR de Asterisk (Master.csv)"),
        "{se}"
    );
    assert!(se.contains("--source pbx_poblado"), "{se}");
    let out = f.ingest("surveys", &vendor("qualtrics_export.csv"));
    let se = text(&out.stderr);
    assert!(se.contains("parece una exportación de Qualtrics"), "{se}");
    assert!(se.contains("--source encuesta_educacion_continua"), "{se}");
    // A misspelled canonical header gets the closest name.
    let p = f.write(
        "typo.csv",
        "interaction_id,channel,unit,recieved_at\nX-1,phone,admisiones,2026-10-05T08:00:00\n",
    );
    let se = text(&f.ingest("interactions", &p).stderr);
    assert!(se.contains("¿`recieved_at` es `received_at`?"), "{se}");
}

#[test]
fn source_files_are_strict_and_checked() {
    let f = project();
    let out = f.run(&["sources"]);
    let so = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{so}");
    for name in [
        "asterisk_cdr",
        "mapped",
        "pbx_poblado",
        "encuesta_mailing",
        "limesurvey",
        "qualtrics",
        "google_forms_es",
        "whatsapp_cloud",
        "messenger",
        "whatsapp_institucional",
        "messenger_ces",
    ] {
        assert!(so.contains(name), "{name} missing: {so}");
    }
    let check = f.run(&["check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );
    f.write(
        "sources/mal.toml",
        "adapter = \"asterisk_cdr\"\nkind = \"interactions\"\n[asterisk_cdr]\ntrunk_channels = [\"DAHDI/*\"]\nagent_channels = [\"PJSIP/1*\"]\ninbound_contexts = []\ntrunk_chanels = 3\n",
    );
    let check = f.run(&["check"]);
    let all = format!("{}{}", text(&check.stdout), text(&check.stderr));
    assert_eq!(check.status.code(), Some(2), "{all}");
    assert!(
        all.contains("mal.toml:7:1") && all.contains("trunk_chanels"),
        "{all}"
    );
    let out = f
        .cmd()
        .args(["ingest", "--source", "pbx_pobaldo"])
        .arg(vendor("Master.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("¿quiso decir `pbx_poblado`?"),
        "{}",
        text(&out.stderr)
    );
    // A CDR without the linkedid columns is refused with what to change in cdr.conf.
    let old = f.write(
        "Old.csv",
        "\"\",\"3001112233\",\"6044440555\",\"from-trunk\",\"\",\"DAHDI/1-1\",\"\",\"Playback\",\"x\",\"2026-10-05 08:00:00\",\"2026-10-05 08:00:01\",\"2026-10-05 08:00:20\",20,19,\"ANSWERED\",\"DOCUMENTATION\"\n",
    );
    let out = ingest_source(&f, "pbx_poblado", &old);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("16 columnas"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_pipeline_routes_inbox_files_to_a_source_by_glob() {
    let f = project();
    std::fs::create_dir_all(f.path("inbox")).unwrap();
    std::fs::create_dir_all(f.path("pipelines")).unwrap();
    std::fs::copy(vendor("Master.csv"), f.path("inbox/Master-20261005.csv")).unwrap();
    std::fs::copy(
        vendor("qualtrics_export.csv"),
        f.path("inbox/qualtrics-oct.csv"),
    )
    .unwrap();
    f.write(
        "pipelines/pbx.toml",
        "steps = [\"ingest\"]\n# The fixtures were just copied in: take them without waiting.\nsettle = \"0s\"\n\n[[sources]]\nkind = \"interactions\"\ninbox = \"inbox\"\nglob = \"Master*.csv\"\nsource = \"pbx_poblado\"\n\n[[sources]]\nkind = \"surveys\"\ninbox = \"inbox\"\nglob = \"qualtrics*.csv\"\nsource = \"encuesta_educacion_continua\"\n",
    );
    let out = f.run(&["run", "pbx"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(f.count("select count(*) from interactions"), 6);
    assert_eq!(f.count("select count(*) from surveys"), 2);
    // A source whose kind differs is a configuration problem naming the key.
    f.write(
        "pipelines/mal.toml",
        "steps = [\"ingest\"]\n\n[[sources]]\nkind = \"surveys\"\ninbox = \"inbox\"\nsource = \"pbx_poblado\"\n",
    );
    let check = f.run(&["check"]);
    let all = format!("{}{}", text(&check.stdout), text(&check.stderr));
    assert_eq!(check.status.code(), Some(2), "{all}");
    assert!(all.contains("sources[1].source"), "{all}");
}

#[test]
fn asterisk_queue_log_waits_answers_and_abandons() {
    let f = project();
    let out = ingest_source(&f, "colas_poblado", &vendor("queue_log"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let rows = f.sql_csv(
        "select interaction_id, unit, outcome, agent_id, \
         cast(extract(epoch from first_response_at) - extract(epoch from received_at) as bigint), \
         cast(extract(epoch from resolved_at) - extract(epoch from received_at) as bigint), source_line \
         from interactions order by interaction_id",
    );
    assert_eq!(
        rows,
        vec![
            // CONNECT's holdtime (45 s) is the wait; the queue's own lines create nothing.
            "1759672800.1,admisiones,,Agente 1001,45,280,3",
            "1759676400.4,admisiones,abandoned,,,105,7",
            "1759683600.9,mercadeo_posgrado,,Agente 1001,30,180,9",
            "1759685400.7,admisiones,abandoned,,,60,12",
            // A 3-second abandon: scoring leaves it out (catalog short_abandon_seconds).
            "1759692000.20,mercadeo_pregrado,abandoned,,,3,14",
        ]
    );
    let se = text(&f.ingest("interactions", &vendor("queue_log")).stderr);
    assert!(
        se.contains("parece un queue_log de Asterisk") && se.contains("--source colas_poblado"),
        "{se}"
    );
}

#[test]
fn a_workbook_whose_first_sheet_is_not_a_table_lists_its_sheets() {
    let f = project();
    let path = f.path("informe.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let cover = book.add_worksheet().set_name("Portada").unwrap();
    cover
        .write_string(0, 0, "Informe mensual de interacciones")
        .unwrap();
    cover.write_string(2, 0, "Preparado por: Mercadeo").unwrap();
    let data = book.add_worksheet().set_name("Datos").unwrap();
    for (c, h) in ["interaction_id", "channel", "unit", "received_at"]
        .iter()
        .enumerate()
    {
        data.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["X-1", "phone", "admisiones", "2026-10-05T08:00:00"]
        .iter()
        .enumerate()
    {
        data.write_string(1, c as u16, *v).unwrap();
    }
    book.save(&path).unwrap();
    let out = f.ingest("interactions", &path);
    assert_eq!(out.status.code(), Some(1));
    let se = text(&out.stderr);
    assert!(
        se.contains("'Portada', 'Datos'") && se.contains("--sheet \"Datos\""),
        "{se}"
    );
    let ok = f
        .cmd()
        .args(["ingest", "interactions", "--sheet", "Datos"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
}

// --- Messaging webhooks: whatsapp_cloud and messenger (DESIGN §3.5) ---

/// Stdout of a command that must have succeeded (exit 0).
fn succeeded(out: &std::process::Output) -> String {
    let so = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{so}\n{}", text(&out.stderr));
    so
}

const WA_DAY1: &str = "whatsapp/webhooks-2026-10-05.jsonl";
const WA_DAY2: &str = "whatsapp/webhooks-2026-10-06.jsonl";
const WA_LAST: &str = "whatsapp/webhook-2026-10-07T0930.json";
const MESSENGER: &str = "messenger/page-2026-10-05.jsonl";

/// Per session: received (UTC), seconds to the first response, habeas, a contact key kept.
const SESSIONS_SQL: &str = "select cast(received_at as varchar) as r, channel, unit, touchpoint, \
     cast(extract(epoch from first_response_at) - extract(epoch from received_at) as double), \
     habeas_data, contact_key is not null, direction from interactions order by r";

#[test]
fn whatsapp_cloud_sessions_first_responses_and_duplicate_deliveries() {
    let f = project();
    // Files in any order: the archive's other files give each one its context.
    for file in [WA_LAST, WA_DAY2, WA_DAY1] {
        let so = succeeded(&ingest_source(&f, "whatsapp_institucional", &vendor(file)));
        if file == WA_DAY1 {
            for skipped in [
                "2 omitidas: entregas repetidas del webhook",
                "2 omitidas: envíos fallidos",
                "2 omitidas: estados de mensajes del bot",
                "1 omitidas: reacciones",
                "2 omitidas: estados o respuestas a personas sin conversación entrante",
            ] {
                assert!(so.contains(skipped), "{skipped}: {so}");
            }
        }
    }
    assert_eq!(
        f.sql_csv(SESSIONS_SQL),
        vec![
            // Ana: the bot's welcome at +2 s is not a response; the human's `sent` at +12 min is,
            // though its `read` was archived first. Her message 23 h later is the same session.
            "2026-10-05T13:00:00Z,whatsapp,admisiones,whatsapp_institucional,720.0,true,true,inbound",
            // Pedro: two failed sends (one `sent` then `failed`); the answer's status is in the next file.
            "2026-10-05T14:00:00Z,whatsapp,admisiones,whatsapp_institucional,1200.0,false,false,inbound",
            // A username (business-scoped id only): habeas given, no number to keep.
            "2026-10-05T15:00:00Z,whatsapp,admisiones,whatsapp_institucional,180.0,true,false,inbound",
            // +52 number, habeas by template button, never answered.
            "2026-10-05T16:00:00Z,whatsapp,admisiones,whatsapp_institucional,,true,true,inbound",
            // Ana 26 h after her last message: a new session; answered in the pretty-printed body.
            "2026-10-07T14:00:00Z,whatsapp,admisiones,whatsapp_institucional,1800.0,true,true,inbound",
        ]
    );
    // Ana's two sessions: one person, one key (habeas carries to her later session).
    assert_eq!(
        f.count(
            "select count(distinct contact_key) from interactions \
             where received_at in ('2026-10-05T13:00:00Z', '2026-10-07T14:00:00Z')"
        ),
        1
    );
    // Ids are hashed (a wamid embeds the phone number) and stable: the same file again adds nothing.
    assert_eq!(
        f.count("select count(*) from interactions where interaction_id like 'wa-%' and length(interaction_id) = 35"),
        5
    );
    let again = ingest_source(&f, "whatsapp_institucional", &vendor(WA_DAY1));
    assert!(text(&again.stdout).contains("ya ingerido"));
    assert_eq!(f.count("select count(*) from interactions"), 5);
}

#[test]
fn a_status_archived_in_a_later_file_completes_the_session_it_answers() {
    let f = project();
    let inbox = f.path("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let arrive = |name: &str| {
        let to = inbox.join(Path::new(name).file_name().unwrap());
        std::fs::copy(vendor(name), &to).unwrap();
        to
    };
    let pedro = "select coalesce(cast(first_response_at as varchar), 'sin respuesta') \
                 from interactions where received_at = '2026-10-05T14:00:00Z'";
    let day1 = arrive(WA_DAY1);
    succeeded(&ingest_source(&f, "whatsapp_institucional", &day1));
    assert_eq!(f.sql_csv(pedro), vec!["sin respuesta"]);
    let day2 = arrive(WA_DAY2);
    succeeded(&ingest_source(&f, "whatsapp_institucional", &day2));
    // The same interaction, replaced: answered at 09:20 local.
    assert_eq!(f.sql_csv(pedro), vec!["2026-10-05T14:20:00Z"]);
    assert_eq!(f.count("select count(*) from interactions"), 5);
}

#[test]
fn messenger_echoes_of_people_count_and_bots_do_not() {
    let f = project();
    let so = succeeded(&ingest_source(&f, "messenger_ces", &vendor(MESSENGER)));
    for skipped in [
        "2 omitidas: ecos de bots",
        "1 omitidas: ecos de una app que no está en human_app_ids",
        "1 omitidas: entregas repetidas del webhook",
        "1 omitidas: reacciones",
    ] {
        assert!(so.contains(skipped), "{skipped}: {so}");
    }
    assert_eq!(
        f.sql_csv(SESSIONS_SQL),
        vec![
            // Laura: millisecond timestamps; the bot greeted her at +1 s, the Page Inbox
            // answered at +5 min; her quick reply accepted habeas.
            "2026-10-05T13:00:00.250Z,messenger,admisiones,facebook_ces,300.25,true,true,inbound",
            // Carlos' postback: only the bot and an unlisted app replied; the first human echo
            // came the next day, in his next session (§3.5: the first one at or after).
            "2026-10-05T14:00:00Z,messenger,admisiones,facebook_ces,91800.0,false,false,inbound",
            // 25 h later: a new session, answered from the inbox while the bot held the thread.
            "2026-10-06T15:00:00Z,messenger,admisiones,facebook_ces,1800.0,false,false,inbound",
        ]
    );
}

#[test]
fn one_person_one_key_across_pbx_whatsapp_and_surveys_and_nothing_raw_in_the_lake() {
    let f = project();
    for (source, file) in [
        ("pbx_poblado", "Master.csv"),
        ("whatsapp_institucional", WA_DAY1),
        ("whatsapp_institucional", WA_DAY2),
        ("messenger_ces", MESSENGER),
        ("encuesta_telefonica", "google_forms_respuestas.csv"),
    ] {
        succeeded(&ingest_source(&f, source, &vendor(file)));
    }
    // +573186727815 on the PBX, wa_id 573186727815 and "+57 318 672 7815" on WhatsApp,
    // "+57 318 672 7815" in Google Forms.
    let keys = f.sql_csv(
        "select distinct contact_key from interactions \
         where interaction_id = '1759672800.1' \
            or (channel = 'whatsapp' and received_at in ('2026-10-05T13:00:00Z', '2026-10-07T14:00:00Z')) \
         union all select distinct respondent_key from surveys \
         where cast(submitted_at as varchar) = '2026-10-05T19:03:22Z'",
    );
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(keys[0], keys[1]);
    assert!(!keys[0].is_empty());

    let mut raw: Vec<String> = [
        "573186727815",
        "3186727815",
        "318 672 7815",
        "573204445566",
        "3204445566",
        "5215512345678",
        "1502576394655843",
        "7212345678901234",
        "7298765432109876",
        "m_AbCdLaura0001",
        "m_CarlosPb0001",
        "Ana Pérez",
        "información de Medicina",
    ]
    .map(String::from)
    .to_vec();
    // Every wamid of the archive (they embed the number in base64).
    for file in [WA_DAY1, WA_DAY2] {
        let bodies = std::fs::read_to_string(vendor(file)).unwrap();
        raw.extend(
            bodies
                .split('"')
                .filter(|s| s.starts_with("wamid."))
                .map(String::from),
        );
    }
    assert_nothing_raw(&f.lake_files(), &raw);
}

#[test]
fn webhook_files_are_recognised_before_they_are_refused() {
    let f = project();
    let se = text(&f.ingest("interactions", &vendor(WA_DAY1)).stderr);
    assert!(
        se.contains("parece un webhook de WhatsApp Cloud API")
            && se.contains("--source whatsapp_institucional"),
        "{se}"
    );
    // The wrong source: the Messenger file given to the WhatsApp source.
    let out = ingest_source(&f, "whatsapp_institucional", &vendor(MESSENGER));
    assert_eq!(out.status.code(), Some(1));
    let se = text(&out.stderr);
    assert!(
        se.contains("no es un cuerpo de webhooks de WhatsApp")
            && se.contains("parece un webhook de Messenger")
            && se.contains("--source messenger_ces"),
        "{se}"
    );
    assert_eq!(f.count("select count(*) from interactions"), 0);
}

#[test]
fn a_number_or_page_the_site_does_not_list_is_quarantined_with_its_reason() {
    let f = project();
    let day1 = std::fs::read_to_string(vendor(WA_DAY1)).unwrap();
    let other = f.write(
        "otro-numero.jsonl",
        day1.replace("109876543210987", "555000111222333"),
    );
    let out = ingest_source(&f, "whatsapp_institucional", &other);
    let so = text(&out.stdout);
    assert_ne!(out.status.code(), Some(0), "{so}");
    assert!(so.contains("en cuarentena 4"), "{so}");
    let reasons = f.sql_csv("select distinct reason from quarantine");
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("555000111222333") && r.contains("[whatsapp_cloud.numbers]")),
        "{reasons:?}"
    );
    // Nothing of the people goes to quarantine either.
    assert_nothing_raw(&f.lake_files(), &["573186727815"]);
    // A source file without numbers is refused by `check`.
    f.write(
        "sources/wa_mal.toml",
        "adapter = \"whatsapp_cloud\"\nkind = \"interactions\"\n[whatsapp_cloud]\nnumbers = {}\nbot_app_ids = []\n",
    );
    let check = f.run(&["check"]);
    let all = format!("{}{}", text(&check.stdout), text(&check.stderr));
    assert_eq!(check.status.code(), Some(2), "{all}");
    assert!(
        all.contains("wa_mal.toml") && all.contains("bot_app_ids"),
        "{all}"
    );
}

#[test]
fn a_pipeline_takes_a_webhook_archive_from_its_inbox() {
    let f = project();
    let inbox = f.path("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::create_dir_all(f.path("pipelines")).unwrap();
    // The PBX's file in the same inbox is neither taken by the glob nor read as context.
    for name in [WA_DAY1, WA_DAY2, WA_LAST, "Master.csv"] {
        let to = inbox.join(Path::new(name).file_name().unwrap());
        std::fs::copy(vendor(name), to).unwrap();
    }
    f.write(
        "pipelines/whatsapp.toml",
        "steps = [\"ingest\"]\nsettle = \"0s\"\n\n[[sources]]\nkind = \"interactions\"\ninbox = \"inbox\"\nglob = \"webhook*.json*\"\nsource = \"whatsapp_institucional\"\n",
    );
    let out = f.run(&["run", "whatsapp"]);
    succeeded(&out);
    assert_eq!(
        f.count("select count(*) from interactions where channel = 'whatsapp'"),
        5
    );
    assert_eq!(f.count("select count(*) from interactions"), 5);
    assert_eq!(
        f.count("select count(*) from interactions where first_response_at is not null"),
        4
    );
}

#[test]
fn a_limesurvey_response_without_a_real_date_is_quarantined_not_scored_in_1980() {
    let f = project();
    let export = std::fs::read_to_string(vendor("limesurvey_results.csv")).unwrap();
    let mut lines = export.lines();
    let (header, first) = (lines.next().unwrap(), lines.next().unwrap());
    // A survey without date stamps exports every complete response as 1980-01-01.
    let undated = first.replace(
        "\"1\";\"2026-10-05 14:03:22\"",
        "\"99\";\"1980-01-01 00:00:00\"",
    );
    assert_ne!(undated, first);
    let path = f.write("sin_fecha.csv", format!("{header}\n{first}\n{undated}\n"));
    let out = ingest_source(&f, "encuesta_mailing", &path);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(f.count("select count(*) from surveys"), 1);
    assert_eq!(
        f.count("select count(*) from quarantine where reason like 'submitted_at%'"),
        1
    );
}
