//! The world the demo data is drawn from: units, channels, the Colombian
//! calendar, seasonal volume and the per unit × channel quality profile.
//!
//! Everything here is fixed (not seeded) so that the deficits planted in the
//! data are known in advance and tests/scoring can look for them.

use chrono::{Datelike, NaiveDate};

pub const CHANNELS: [&str; 7] = [
    "phone",
    "whatsapp",
    "email",
    "web_form",
    "social",
    "messenger",
    "in_person",
];
pub const PHONE: usize = 0;
pub const WHATSAPP: usize = 1;
pub const EMAIL: usize = 2;
pub const WEB_FORM: usize = 3;
pub const SOCIAL: usize = 4;
pub const MESSENGER: usize = 5;
pub const IN_PERSON: usize = 6;

pub const UNITS: [&str; 12] = [
    "mercadeo_pregrado",
    "mercadeo_posgrado",
    "educacion_continua",
    "admisiones",
    "fac_medicina",
    "fac_odontologia",
    "fac_psicologia",
    "fac_derecho",
    "centro_veterinaria",
    "icmt_apartado",
    "oficina_bogota",
    "sede_sabaneta",
];
pub const MERCADEO_PREGRADO: usize = 0;
pub const MERCADEO_POSGRADO: usize = 1;
pub const EDUCACION_CONTINUA: usize = 2;
pub const ADMISIONES: usize = 3;
pub const FAC_MEDICINA: usize = 4;
pub const FAC_ODONTOLOGIA: usize = 5;
pub const FAC_PSICOLOGIA: usize = 6;
pub const FAC_DERECHO: usize = 7;
pub const CENTRO_VETERINARIA: usize = 8;
pub const ICMT_APARTADO: usize = 9;
pub const OFICINA_BOGOTA: usize = 10;
pub const SEDE_SABANETA: usize = 11;

pub const STAKEHOLDERS: [&str; 13] = [
    "aspirante",
    "estudiante",
    "egresado",
    "padre_familia",
    "empleado",
    "vecino",
    "proveedor",
    "empresa",
    "aliado",
    "medio",
    "ente_control",
    "paciente",
    "otro",
];

pub const TP_POBLADO: &str = "sede_poblado_4440555";
pub const TP_LINEA_018000: &str = "linea_018000423869";
pub const TP_WHATSAPP: &str = "whatsapp_3186727815";
pub const TP_CORREO: &str = "correo_contactcenter";
pub const TP_SABANETA: &str = "sede_sabaneta_4440059";
pub const TP_VETERINARIA: &str = "veterinaria_3360260";
pub const TP_ICMT: &str = "icmt_apartado_8281708";
pub const TP_BOGOTA: &str = "oficina_bogota_6054268";
pub const TP_PORTAL: &str = "portal_escribenos";
pub const TP_REDES: &str = "redes_sociales";

/// First-response targets per channel, in seconds. Phone and in-person are
/// wall-clock; the asynchronous channels count business time only
/// (see [`Calendar::add_business`]).
pub const SLA_TARGET_SECS: [i64; 7] = [20, 3600, 36_000, 36_000, 3600, 3600, 900];
pub const SLA_BUSINESS_TIME: [bool; 7] = [false, true, true, true, true, true, false];

/// WhatsApp platform outage: almost no inbound 09:00–15:00, backlog after.
pub const OUTAGE_DAY: (i32, u32, u32) = (2026, 6, 17);
/// Social-media complaint burst for mercadeo_pregrado (inclusive range).
pub const BURST_FIRST: (i32, u32, u32) = (2026, 8, 10);
pub const BURST_DAYS: i64 = 7;
const BURST_INTENSITY: [f64; 7] = [0.07, 0.13, 0.16, 0.13, 0.09, 0.05, 0.04];

/// Share of a channel's traffic that arrives outside opening hours on an open day.
const OFF_HOURS_SHARE: [f64; 7] = [0.03, 0.20, 0.30, 0.35, 0.25, 0.20, 0.0];
/// Volume factors relative to an average weekday.
const SATURDAY_FACTOR: [f64; 7] = [0.45, 0.60, 0.35, 0.50, 0.60, 0.55, 0.40];
const CLOSED_DAY_FACTOR: [f64; 7] = [0.02, 0.35, 0.30, 0.45, 0.50, 0.40, 0.0];
const WEEKDAY_FACTOR: [f64; 5] = [1.40, 1.12, 1.05, 1.00, 0.92];

/// (relative volume, channel mix in CHANNELS order) per unit.
const UNIT_MIX: [(f64, [f64; 7]); 12] = [
    (16.0, [30.0, 32.0, 8.0, 10.0, 10.0, 6.0, 4.0]),
    (8.0, [30.0, 30.0, 14.0, 12.0, 5.0, 4.0, 5.0]),
    (9.0, [30.0, 28.0, 20.0, 12.0, 4.0, 3.0, 3.0]),
    (18.0, [32.0, 28.0, 18.0, 10.0, 3.0, 2.0, 7.0]),
    (9.0, [35.0, 25.0, 18.0, 6.0, 2.0, 2.0, 12.0]),
    (7.0, [30.0, 38.0, 10.0, 4.0, 3.0, 3.0, 12.0]),
    (6.0, [35.0, 30.0, 14.0, 6.0, 3.0, 2.0, 10.0]),
    (5.0, [35.0, 28.0, 16.0, 6.0, 2.0, 2.0, 11.0]),
    (8.0, [50.0, 30.0, 5.0, 3.0, 4.0, 3.0, 5.0]),
    (4.0, [40.0, 20.0, 6.0, 2.0, 2.0, 2.0, 28.0]),
    (4.0, [45.0, 22.0, 16.0, 6.0, 1.0, 1.0, 9.0]),
    (6.0, [35.0, 28.0, 8.0, 6.0, 3.0, 3.0, 17.0]),
];

/// Stakeholder weights per unit, in STAKEHOLDERS order.
const STAKEHOLDER_MIX: [[f64; 13]; 12] = [
    // asp  est  egr  pad  emp  vec  pro  empr ali  med  ente pac  otro
    [60., 8., 4., 18., 1., 1., 1., 1., 1., 0.5, 0.2, 0.3, 4.],
    [55., 8., 25., 2., 2., 0.5, 0.5, 4., 1., 0.3, 0.2, 0.3, 3.],
    [18., 5., 35., 1., 6., 0.5, 1., 22., 6., 0.5, 0.5, 0.5, 8.],
    [65., 6., 2., 20., 1., 0.5, 0.3, 0.5, 0.5, 0.3, 0.5, 0.3, 5.],
    [15., 50., 12., 8., 3., 0.5, 2., 1., 1., 0.5, 0.5, 6., 4.],
    [12., 40., 8., 6., 3., 0.5, 2., 0.5, 0.5, 0.3, 0.5, 22., 4.],
    [15., 48., 10., 7., 3., 1., 1., 1., 1., 0.5, 0.5, 8., 4.],
    [16., 50., 14., 7., 3., 1., 1., 1., 1., 0.5, 1., 1., 4.],
    [2., 6., 1., 0.5, 1., 5., 4., 2., 2., 0.3, 0.5, 75., 6.],
    [2., 3., 1., 0.5, 6., 6., 5., 1., 8., 0.5, 5., 60., 10.],
    [40., 4., 20., 7., 1., 0.5, 1., 15., 8., 1., 0.5, 0.5, 10.],
    [35., 30., 5., 10., 2., 8., 1., 0.5, 0.5, 0.3, 0.3, 0.5, 12.],
];

/// Hourly arrival weights (index = hour of day).
const HOURS_OPEN_WEEKDAY: [f64; 24] = [
    0., 0., 0., 0., 0., 0., 0., 0., 0.75, 1.35, 1.45, 1.15, 0.55, 0.70, 1.25, 1.35, 1.05, 0.60, 0.,
    0., 0., 0., 0., 0.,
];
const HOURS_OPEN_SATURDAY: [f64; 24] = [
    0., 0., 0., 0., 0., 0., 0., 0., 0.9, 1.2, 1.1, 0.8, 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.,
    0.,
];
const HOURS_OFF_WEEKDAY: [f64; 24] = [
    0.15, 0.08, 0.05, 0.04, 0.05, 0.15, 0.40, 0.70, 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 1.0,
    1.1, 1.1, 0.9, 0.6, 0.35,
];
const HOURS_OFF_SATURDAY: [f64; 24] = [
    0.15, 0.08, 0.05, 0.04, 0.05, 0.15, 0.40, 0.70, 0., 0., 0., 0., 0.8, 0.8, 0.8, 0.8, 0.8, 0.8,
    0.9, 1.0, 1.0, 0.8, 0.6, 0.35,
];
const HOURS_CLOSED: [f64; 24] = [
    0.10, 0.05, 0.03, 0.03, 0.03, 0.10, 0.30, 0.60, 0.90, 1.1, 1.2, 1.2, 1.0, 0.9, 1.0, 1.0, 1.0,
    1.0, 1.0, 1.0, 1.0, 0.8, 0.5, 0.3,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// Monday = 0 … Friday = 4.
    Weekday(usize),
    Saturday,
    /// Sunday or Colombian public holiday.
    Closed,
}

/// Days are counted from 1970-01-01; times are local (UTC-5) seconds from
/// the same origin. Colombia has had no DST since 1993, so the offset is fixed.
pub struct Calendar {
    holidays: Vec<i64>,
}

pub fn day_number(d: NaiveDate) -> i64 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days()
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn ymd_day((y, m, d): (i32, u32, u32)) -> i64 {
    day_number(ymd(y, m, d))
}

impl Calendar {
    /// Closed days: the Colombian public holidays of the business calendar, so the
    /// demo's timings follow the same law as the scoring (Ley 2578 de 2026 included).
    pub fn new(first_year: i32, last_year: i32) -> Self {
        let mut holidays: Vec<i64> = (first_year..=last_year)
            .flat_map(crate::score::calendar::holidays_in_year)
            .map(|h| day_number(h.date))
            .collect();
        holidays.sort_unstable();
        holidays.dedup();
        Calendar { holidays }
    }

    pub fn is_holiday(&self, day: i64) -> bool {
        self.holidays.binary_search(&day).is_ok()
    }

    pub fn kind(&self, day: i64) -> DayKind {
        // 1970-01-01 was a Thursday.
        let wd = (day + 3).rem_euclid(7) as usize;
        if wd == 6 || self.is_holiday(day) {
            DayKind::Closed
        } else if wd == 5 {
            DayKind::Saturday
        } else {
            DayKind::Weekday(wd)
        }
    }

    /// Opening window (seconds of day), Mon–Fri 08–18, Sat 08–12.
    pub fn window(&self, day: i64) -> Option<(i64, i64)> {
        match self.kind(day) {
            DayKind::Weekday(_) => Some((8 * 3600, 18 * 3600)),
            DayKind::Saturday => Some((8 * 3600, 12 * 3600)),
            DayKind::Closed => None,
        }
    }

    pub fn is_open(&self, t: i64) -> bool {
        let day = t.div_euclid(86_400);
        let sod = t - day * 86_400;
        matches!(self.window(day), Some((o, c)) if sod >= o && sod < c)
    }

    /// `t` plus `secs` of business time. A zero duration from outside hours
    /// lands on the next opening.
    pub fn add_business(&self, t: i64, secs: i64) -> i64 {
        let mut t = t;
        let mut rem = secs;
        loop {
            let day = t.div_euclid(86_400);
            let mut sod = t - day * 86_400;
            if let Some((open, close)) = self.window(day) {
                if sod < open {
                    sod = open;
                    t = day * 86_400 + open;
                }
                if sod < close {
                    let avail = close - sod;
                    if rem <= avail {
                        return t + rem;
                    }
                    rem -= avail;
                }
            }
            t = (day + 1) * 86_400;
        }
    }
}

/// Seasonal multiplier: admission peaks late Jan–Feb and Jun–Jul.
pub fn season(date: NaiveDate) -> f64 {
    let d = date.day();
    match date.month() {
        1 if d < 12 => 0.85,
        1 => 1.2 + 0.8 * (d - 12) as f64 / 19.0,
        2 if d <= 21 => 2.0,
        2 => 1.6,
        3..=5 => 1.0,
        6 if d <= 7 => 1.5,
        6 => 1.95,
        7 if d <= 25 => 2.0,
        7 => 1.4,
        8 => 1.1,
        12 if d <= 12 => 0.8,
        12 => 0.35,
        _ => 1.0,
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// P(kindness rating is 4 or 5).
    pub kind: f64,
    /// P(information-quality rating is 4 or 5).
    pub info: f64,
    /// P(first response within SLA_TARGET_SECS).
    pub sla: f64,
    /// Pass rate of greeting/closing protocol items (shopper and log flags).
    pub greet: f64,
    /// Pass rate of correct/complete information shopper items.
    pub info_item: f64,
    /// Escalations from this cell take days and are often unanswered.
    pub slow_escalation: bool,
}

/// A cumulative weight table for categorical draws with one uniform.
#[derive(Debug, Clone)]
pub struct Cdf(Vec<f64>);

impl Cdf {
    pub fn new(weights: &[f64]) -> Self {
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let mut v = Vec::with_capacity(weights.len());
        for w in weights {
            acc += w / total;
            v.push(acc);
        }
        Cdf(v)
    }
    pub fn pick(&self, u: f64) -> usize {
        let n = self.0.len();
        self.0.iter().position(|&c| u < c).unwrap_or(n - 1)
    }
}

pub struct Model {
    pub cal: Calendar,
    pub profiles: [[Profile; 7]; 12],
    /// Unit given channel.
    pub unit_by_channel: Vec<Cdf>,
    /// Channel given unit (shopper evaluations, unlinked surveys).
    pub channel_by_unit: Vec<Cdf>,
    pub stakeholder_by_unit: Vec<Cdf>,
    /// Weekday volume per channel (season 1.0, Σ over units).
    pub channel_base: [f64; 7],
    pub hours_open_weekday: Cdf,
    pub hours_open_saturday: Cdf,
    pub hours_off_weekday: Cdf,
    pub hours_off_saturday: Cdf,
    pub hours_closed: Cdf,
    pub agents: Vec<Vec<String>>,
    pub outage_day: i64,
    pub burst_first: i64,
}

impl Model {
    pub fn new(first_year: i32, last_year: i32) -> Self {
        let mut channel_base = [0.0; 7];
        let mut unit_by_channel = Vec::new();
        for (c, base) in channel_base.iter_mut().enumerate() {
            let w: Vec<f64> = UNIT_MIX.iter().map(|(v, mix)| v * mix[c]).collect();
            *base = w.iter().sum::<f64>() / 100.0;
            unit_by_channel.push(Cdf::new(&w));
        }
        let channel_by_unit = UNIT_MIX.iter().map(|(_, mix)| Cdf::new(mix)).collect();
        let stakeholder_by_unit = STAKEHOLDER_MIX.iter().map(|w| Cdf::new(w)).collect();
        let agents = (0..UNITS.len())
            .map(|u| {
                let n = 4 + (UNIT_MIX[u].0 as usize) / 2;
                (1..=n)
                    .map(|k| format!("AG-{:02}{:02}", u + 1, k))
                    .collect()
            })
            .collect();
        Model {
            cal: Calendar::new(first_year, last_year),
            profiles: profiles(),
            unit_by_channel,
            channel_by_unit,
            stakeholder_by_unit,
            channel_base,
            hours_open_weekday: Cdf::new(&HOURS_OPEN_WEEKDAY),
            hours_open_saturday: Cdf::new(&HOURS_OPEN_SATURDAY),
            hours_off_weekday: Cdf::new(&HOURS_OFF_WEEKDAY),
            hours_off_saturday: Cdf::new(&HOURS_OFF_SATURDAY),
            hours_closed: Cdf::new(&HOURS_CLOSED),
            agents,
            outage_day: ymd_day(OUTAGE_DAY),
            burst_first: ymd_day(BURST_FIRST),
        }
    }

    pub fn in_burst(&self, day: i64) -> bool {
        day >= self.burst_first && day < self.burst_first + BURST_DAYS
    }

    /// Expected volume of each channel on `day`, plus the burst pseudo-channel at index 7.
    pub fn day_weights(&self, day: i64, date: NaiveDate) -> [f64; 8] {
        let s = season(date);
        let kind = self.cal.kind(day);
        let mut w = [0.0; 8];
        for c in 0..7 {
            let f = match kind {
                DayKind::Weekday(wd) => WEEKDAY_FACTOR[wd],
                DayKind::Saturday => SATURDAY_FACTOR[c],
                DayKind::Closed => CLOSED_DAY_FACTOR[c],
            };
            w[c] = s * f * self.channel_base[c];
        }
        if self.in_burst(day) {
            let total: f64 = self.channel_base.iter().sum();
            w[7] = BURST_INTENSITY[(day - self.burst_first) as usize] * total;
        }
        w
    }

    /// Arrival second-of-day for channel `c` on a day of `kind`.
    pub fn arrival_sod(&self, c: usize, kind: DayKind, u_off: f64, u_hour: f64, u_sec: f64) -> i64 {
        let cdf = match kind {
            DayKind::Closed => &self.hours_closed,
            DayKind::Weekday(_) if u_off < OFF_HOURS_SHARE[c] => &self.hours_off_weekday,
            DayKind::Saturday if u_off < OFF_HOURS_SHARE[c] => &self.hours_off_saturday,
            DayKind::Weekday(_) => &self.hours_open_weekday,
            DayKind::Saturday => &self.hours_open_saturday,
        };
        cdf.pick(u_hour) as i64 * 3600 + (u_sec * 3600.0) as i64
    }
}

fn profiles() -> [[Profile; 7]; 12] {
    let mut p = [[Profile {
        kind: 0.9,
        info: 0.88,
        sla: 0.87,
        greet: 0.94,
        info_item: 0.92,
        slow_escalation: false,
    }; 7]; 12];
    for (u, row) in p.iter_mut().enumerate() {
        for (c, cell) in row.iter_mut().enumerate() {
            // Small fixed spread so healthy cells are not all identical (±2.5 pts).
            let j = |k: usize| ((u * 7 + c) * k % 11) as f64 * 0.005 - 0.025;
            cell.kind = 0.905 + j(37);
            cell.info = 0.89 + j(53);
            cell.sla = 0.875 + j(29);
        }
    }
    // The planted problems: clearly below the 80 target.
    p[FAC_ODONTOLOGIA][WHATSAPP].sla = 0.55;
    let vet = &mut p[CENTRO_VETERINARIA][PHONE];
    vet.kind = 0.58;
    vet.greet = 0.50;
    let adm = &mut p[ADMISIONES][EMAIL];
    adm.info = 0.62;
    adm.info_item = 0.55;
    adm.slow_escalation = true;
    p[ICMT_APARTADO][IN_PERSON].sla = 0.55;
    p
}

pub fn is_faculty(u: usize) -> bool {
    (FAC_MEDICINA..=FAC_DERECHO).contains(&u)
}

/// Where an escalation from unit `u` goes.
pub const ESCALATION_TARGETS: [usize; 5] = [
    ADMISIONES,
    FAC_MEDICINA,
    FAC_ODONTOLOGIA,
    FAC_PSICOLOGIA,
    FAC_DERECHO,
];

pub fn touchpoint(c: usize, u: usize, x: f64) -> &'static str {
    let own = match u {
        SEDE_SABANETA => Some(TP_SABANETA),
        CENTRO_VETERINARIA => Some(TP_VETERINARIA),
        ICMT_APARTADO => Some(TP_ICMT),
        OFICINA_BOGOTA => Some(TP_BOGOTA),
        _ => None,
    };
    match c {
        PHONE => match own {
            Some(tp) if x < 0.8 => tp,
            _ if x < 0.65 => TP_POBLADO,
            _ => TP_LINEA_018000,
        },
        IN_PERSON => own.unwrap_or(TP_POBLADO),
        WHATSAPP => TP_WHATSAPP,
        EMAIL => TP_CORREO,
        WEB_FORM => TP_PORTAL,
        _ => TP_REDES,
    }
}

// ---------------------------------------------------------------- text

pub struct Topic {
    pub code: &'static str,
    /// `{p}` = program, `{s}` = next admission period (e.g. 2027-1).
    pub notes: &'static [&'static str],
}

const T_COSTOS: Topic = Topic {
    code: "costos_matricula",
    notes: &[
        "Pregunta por costos de matrícula de {p}",
        "Solicita valor de la matrícula {s} para {p}",
        "Consulta descuentos por pronto pago en {p}",
    ],
};
const T_INSCRIPCIONES: Topic = Topic {
    code: "inscripciones",
    notes: &[
        "Solicita información de inscripciones {s}",
        "Pregunta fechas de inscripción a {p} para {s}",
        "No le carga el formulario de inscripción {s}",
    ],
};
const T_PROGRAMAS: Topic = Topic {
    code: "oferta_programas",
    notes: &[
        "Pide plan de estudios de {p}",
        "Pregunta duración y modalidad de {p}",
        "Interesado en {p}, solicita brochure",
    ],
};
const T_BECAS: Topic = Topic {
    code: "becas_financiacion",
    notes: &[
        "Consulta opciones de financiación con ICETEX para {p}",
        "Pregunta por becas y créditos para {s}",
    ],
};
const T_REQUISITOS: Topic = Topic {
    code: "requisitos_admision",
    notes: &[
        "Pregunta requisitos de admisión a {p}",
        "Consulta puntaje Saber 11 mínimo para {p}",
        "Pregunta qué documentos debe cargar para {s}",
    ],
};
const T_RESULTADOS: Topic = Topic {
    code: "resultados_admision",
    notes: &[
        "Pregunta cuándo publican resultados de admisión {s}",
        "Aspirante a {p} pide fecha de entrevista",
    ],
};
const T_PAGOS: Topic = Topic {
    code: "pagos",
    notes: &[
        "Reporta pago no aplicado en el portal",
        "Solicita recibo de pago de {p}",
        "Pregunta por plazo para pagar la matrícula {s}",
    ],
};
const T_CERTIFICADOS: Topic = Topic {
    code: "certificados",
    notes: &[
        "Solicita certificado de notas",
        "Pide constancia de estudio para la EPS",
        "Consulta estado de certificado de {p}",
    ],
};
const T_HOMOLOGACION: Topic = Topic {
    code: "homologacion",
    notes: &[
        "Pregunta por homologación de materias a {p}",
        "Transferencia externa a {p}, pide requisitos",
    ],
};
const T_PRACTICAS: Topic = Topic {
    code: "practicas",
    notes: &[
        "Estudiante de {p} pregunta por asignación de prácticas",
        "Consulta convenio de prácticas de {p}",
    ],
};
const T_DIPLOMADOS: Topic = Topic {
    code: "educacion_continua",
    notes: &[
        "Pregunta fechas de inicio del {p}",
        "Empresa solicita cotización del {p} para 20 empleados",
        "Egresado consulta descuento en {p}",
    ],
};
const T_CITAS_VET: Topic = Topic {
    code: "citas_veterinaria",
    notes: &[
        "Solicita cita de vacunación para su perro",
        "Pregunta por urgencias veterinarias el fin de semana",
        "Consulta costo de esterilización de gata",
        "Pide resultados de exámenes de su mascota",
    ],
};
const T_CITAS_SALUD: Topic = Topic {
    code: "citas_salud",
    notes: &[
        "Solicita cita en la clínica de {p}",
        "Pregunta por resultados de laboratorio",
        "Consulta horarios de atención en consultorio de {p}",
    ],
};
const T_ICMT: Topic = Topic {
    code: "servicios_icmt",
    notes: &[
        "Pregunta por toma de muestras para malaria",
        "Solicita resultados de laboratorio clínico",
        "Consulta requisitos para participar en estudio de investigación",
    ],
};
const T_JURIDICO: Topic = Topic {
    code: "consultorio_juridico",
    notes: &[
        "Solicita asesoría del consultorio jurídico",
        "Pregunta por horario del consultorio jurídico",
    ],
};
const T_CAMPUS: Topic = Topic {
    code: "visita_campus",
    notes: &[
        "Quiere agendar visita guiada al campus",
        "Pregunta por parqueadero para visitantes",
        "Consulta fecha de la feria de programas {s}",
    ],
};
pub const T_QUEJA: Topic = Topic {
    code: "queja",
    notes: &[
        "Queja por demora en respuesta",
        "Reclamo por información contradictoria sobre {p}",
        "Inconforme con la atención recibida",
    ],
};
pub const T_CAMPANA: Topic = Topic {
    code: "campana_inscripciones",
    notes: &[
        "Campaña inscripciones {s}: interesado en {p}",
        "Campaña {s}: no contesta, volver a llamar",
        "Seguimiento a formulario incompleto de {p}",
    ],
};
pub const T_BURST: Topic = Topic {
    code: "queja",
    notes: &[
        "Comentario negativo en Instagram por cambio de fechas de inscripción",
        "Reclamo público en Facebook: no responden mensajes",
        "Usuario molesto por publicación sobre costos {s}",
        "Queja en redes por resultados de admisión {s}",
    ],
};

pub fn topics(u: usize) -> &'static [Topic] {
    const MP: &[Topic] = &[T_COSTOS, T_INSCRIPCIONES, T_PROGRAMAS, T_BECAS, T_CAMPUS];
    const MPOS: &[Topic] = &[T_COSTOS, T_INSCRIPCIONES, T_PROGRAMAS, T_BECAS];
    const EC: &[Topic] = &[T_DIPLOMADOS, T_DIPLOMADOS, T_CERTIFICADOS, T_PAGOS];
    const ADM: &[Topic] = &[
        T_INSCRIPCIONES,
        T_REQUISITOS,
        T_RESULTADOS,
        T_PAGOS,
        T_REQUISITOS,
    ];
    const FAC: &[Topic] = &[
        T_CERTIFICADOS,
        T_HOMOLOGACION,
        T_PRACTICAS,
        T_PAGOS,
        T_PROGRAMAS,
    ];
    const FAC_SALUD: &[Topic] = &[T_CITAS_SALUD, T_CERTIFICADOS, T_PRACTICAS, T_HOMOLOGACION];
    const DER: &[Topic] = &[T_JURIDICO, T_CERTIFICADOS, T_HOMOLOGACION, T_PRACTICAS];
    const VET: &[Topic] = &[T_CITAS_VET, T_CITAS_VET, T_CITAS_VET, T_PAGOS];
    const ICMT: &[Topic] = &[T_ICMT, T_ICMT, T_CITAS_SALUD];
    const SEDE: &[Topic] = &[T_INSCRIPCIONES, T_PROGRAMAS, T_CAMPUS, T_COSTOS];
    match u {
        MERCADEO_PREGRADO => MP,
        MERCADEO_POSGRADO | OFICINA_BOGOTA => MPOS,
        EDUCACION_CONTINUA => EC,
        ADMISIONES => ADM,
        FAC_MEDICINA => FAC,
        FAC_ODONTOLOGIA | FAC_PSICOLOGIA => FAC_SALUD,
        FAC_DERECHO => DER,
        CENTRO_VETERINARIA => VET,
        ICMT_APARTADO => ICMT,
        _ => SEDE,
    }
}

pub fn programs(u: usize) -> &'static [&'static str] {
    match u {
        MERCADEO_PREGRADO | ADMISIONES | SEDE_SABANETA => &[
            "Medicina",
            "Odontología",
            "Psicología",
            "Derecho",
            "Medicina Veterinaria y Zootecnia",
            "Enfermería",
            "Fisioterapia",
            "Nutrición y Dietética",
            "Biología",
            "Ingeniería Biomédica",
            "Administración de Empresas",
        ],
        MERCADEO_POSGRADO | OFICINA_BOGOTA => &[
            "la Especialización en Dermatología",
            "la Maestría en Epidemiología",
            "la Especialización en Ortodoncia",
            "la Maestría en Psicología Clínica",
            "la Especialización en Derecho Médico",
            "la Maestría en Salud Pública",
        ],
        EDUCACION_CONTINUA => &[
            "Diplomado en Auditoría en Salud",
            "Curso de Primeros Auxilios",
            "Diplomado en Gerencia de Servicios de Salud",
            "Diplomado en Docencia Universitaria",
        ],
        FAC_MEDICINA => &["Medicina", "Medicina"],
        FAC_ODONTOLOGIA => &["Odontología"],
        FAC_PSICOLOGIA => &["Psicología"],
        FAC_DERECHO => &["Derecho"],
        CENTRO_VETERINARIA => &["Medicina Veterinaria y Zootecnia"],
        _ => &["Medicina", "Biología"],
    }
}

pub fn scenarios(u: usize) -> &'static [&'static str] {
    match u {
        MERCADEO_PREGRADO => &[
            "aspirante a medicina pregunta costos",
            "padre de familia pregunta por becas de pregrado",
            "aspirante a psicología pide plan de estudios",
        ],
        MERCADEO_POSGRADO => &[
            "egresado pregunta por maestría en epidemiología",
            "médico general consulta especialización en dermatología",
        ],
        EDUCACION_CONTINUA => &[
            "egresado consulta diplomado en auditoría",
            "empresa solicita cotización de curso corporativo",
        ],
        ADMISIONES => &[
            "aspirante pregunta requisitos de inscripción",
            "aspirante pregunta fecha de resultados de admisión",
            "aspirante a odontología pide fecha de entrevista",
        ],
        FAC_MEDICINA => &[
            "estudiante de medicina pregunta por internado",
            "transferencia externa a medicina",
        ],
        FAC_ODONTOLOGIA => &[
            "paciente solicita cita en clínica odontológica",
            "estudiante pregunta por homologación",
        ],
        FAC_PSICOLOGIA => &[
            "paciente pide cita en consultorio psicológico",
            "estudiante pregunta por prácticas",
        ],
        FAC_DERECHO => &[
            "ciudadano solicita asesoría del consultorio jurídico",
            "estudiante pide certificado de notas",
        ],
        CENTRO_VETERINARIA => &[
            "dueño de mascota solicita cita de vacunación",
            "dueño de mascota pregunta por urgencias",
            "pregunta costo de esterilización",
        ],
        ICMT_APARTADO => &[
            "paciente pregunta por toma de muestras",
            "usuario pide resultados de laboratorio",
        ],
        OFICINA_BOGOTA => &[
            "aspirante en Bogotá pregunta por posgrados",
            "empresa de Bogotá pregunta por convenios",
        ],
        _ => &[
            "aspirante pregunta programas en Sabaneta",
            "vecino pregunta por horarios de la sede",
        ],
    }
}

pub const SURVEY_INSTRUMENTS: [&str; 5] = [
    "mailing_pre_pos",
    "entrevista_facultad",
    "educacion_continua",
    "post_crisis",
    "telefonica",
];

pub const COMMENTS_GOOD: &[&str] = &[
    "Muy amable la asesora, resolvió todas mis dudas",
    "Excelente atención, rápida y clara",
    "Me dieron toda la información que necesitaba",
    "Gracias por la paciencia y la claridad",
    "Muy buena atención en la sede",
    "La respuesta por WhatsApp fue oportuna",
];
pub const COMMENTS_MID: &[&str] = &[
    "Bien, aunque tuve que esperar un poco",
    "La información fue correcta pero incompleta",
    "Me tocó llamar dos veces",
    "Regular, faltó claridad sobre los costos",
];
pub const COMMENTS_BAD: &[&str] = &[
    "Nunca me devolvieron la llamada",
    "Me dieron información equivocada sobre las fechas",
    "Pésima atención, la persona fue grosera",
    "Llevo una semana esperando respuesta al correo",
    "Me pasaron de un área a otra y nadie resolvió",
    "El teléfono timbra y nadie contesta",
];
pub const COMMENTS_BURST: &[&str] = &[
    "¡Qué vergüenza! Cambian las fechas de inscripción sin avisar",
    "Escribí por Instagram cinco veces y nadie responde, muy mal",
    "Indignada con el trato, publicaron costos que no son",
    "Respuesta automática y nada más. Pésimo servicio",
    "No es serio que una universidad maneje así las redes",
];

pub const SHOPPER_IDS: [&str; 15] = [
    "MS-001", "MS-002", "MS-003", "MS-004", "MS-005", "MS-006", "MS-007", "MS-008", "MS-009",
    "MS-010", "MS-011", "MS-012", "MS-013", "MS-014", "MS-015",
];

pub fn rubric(c: usize) -> &'static [&'static str] {
    match c {
        PHONE => &[
            "greeting",
            "need_identified",
            "habeas_script",
            "request_processed",
            "correct_information",
            "complete_information",
            "response_time",
            "closing",
        ],
        IN_PERSON => &[
            "greeting",
            "introduction",
            "need_identified",
            "advice",
            "correct_information",
            "complete_information",
            "response_time",
        ],
        EMAIL | WEB_FORM => &[
            "standard_script",
            "correct_information",
            "complete_information",
            "response_time",
            "correct_escalation",
        ],
        _ => &[
            "greeting",
            "habeas_script",
            "need_identified",
            "request_processed",
            "correct_information",
            "complete_information",
            "response_time",
        ],
    }
}

pub fn shopper_fail_note(item: &str) -> &'static str {
    match item {
        "greeting" => "No saludó ni mencionó el nombre de la universidad",
        "introduction" => "No se presentó con su nombre",
        "need_identified" => "No indagó la necesidad del usuario",
        "habeas_script" => "No leyó el aviso de tratamiento de datos",
        "request_processed" => "No registró la solicitud",
        "advice" => "No ofreció asesoría adicional",
        "correct_information" => "Dio información desactualizada de costos y fechas",
        "complete_information" => "Información incompleta, faltaron requisitos",
        "response_time" => "Tiempo de espera superior al estándar",
        "closing" => "Terminó la llamada sin despedida",
        "standard_script" => "Respuesta sin plantilla institucional",
        "correct_escalation" => "No escaló a la facultad correspondiente",
        _ => "Observación",
    }
}
