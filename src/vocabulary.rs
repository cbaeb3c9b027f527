//! The product's controlled vocabulary (DESIGN §2): codes are English snake_case, labels
//! shown to people are Spanish, and the Spanish spellings people type are accepted on input.

/// Lowercases, strips accents and turns spaces, dots and dashes into `_`, so that
/// "Teléfono", "padre de familia" and "Web-Form" compare with their codes.
pub fn fold_code(raw: &str) -> std::borrow::Cow<'_, str> {
    let raw = fast_trim(raw);
    // Most values are codes already: no allocation for them (ingestion folds every cell).
    if raw
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return std::borrow::Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = match c {
            'á' | 'à' | 'ä' | 'Á' | 'À' | 'Ä' => 'a',
            'é' | 'è' | 'ë' | 'É' | 'È' | 'Ë' => 'e',
            'í' | 'ì' | 'ï' | 'Í' | 'Ì' | 'Ï' => 'i',
            'ó' | 'ò' | 'ö' | 'Ó' | 'Ò' | 'Ö' => 'o',
            'ú' | 'ù' | 'ü' | 'Ú' | 'Ù' | 'Ü' => 'u',
            'ñ' | 'Ñ' => 'n',
            ' ' | '-' | '.' | '/' => '_',
            c => c.to_ascii_lowercase(),
        };
        out.push(c);
    }
    std::borrow::Cow::Owned(out)
}

/// `str::trim` as a method, through [`fast_trim`].
pub trait FastTrim {
    fn fast_trim(&self) -> &str;
}

impl FastTrim for str {
    fn fast_trim(&self) -> &str {
        fast_trim(self)
    }
}

/// `str::trim`, without its per-character work when both ends are plain ASCII (the
/// common case for every cell of an export).
pub fn fast_trim(s: &str) -> &str {
    let solid = |b: &u8| b.is_ascii() && !b.is_ascii_whitespace();
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if solid(a) && solid(z) => s,
        (None, _) => s,
        _ => s.trim(),
    }
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal, $label:literal, [$($alias:literal),*];)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable code stored in the lake.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            /// The Spanish label shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }

            /// Parses a code or one of its Spanish aliases (case and accents ignored).
            pub fn parse(raw: &str) -> Option<Self> {
                let folded = fold_code(raw);
                match folded.as_ref() {
                    $($code $(| $alias)* => Some($name::$variant),)*
                    _ => None,
                }
            }

            /// The codes, for error messages ("expected one of …").
            pub fn codes() -> String {
                [$($code),*].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

vocabulary! {
    /// An authorised attention channel (PR-ME-002 §5).
    Channel {
        Phone => "phone", "Teléfono", ["telefono", "llamada", "telefonico", "linea"];
        Whatsapp => "whatsapp", "WhatsApp", ["wa", "whats_app"];
        Email => "email", "Correo electrónico", ["correo", "correo_electronico", "e_mail", "mail"];
        WebForm => "web_form", "Escríbenos (portal web)", ["escribenos", "formulario_web", "formulario", "portal", "webform"];
        Social => "social", "Redes sociales", ["redes_sociales", "redes", "red_social"];
        Messenger => "messenger", "Messenger", ["facebook_messenger"];
        InPerson => "in_person", "Presencial", ["presencial", "personal", "en_persona"];
    }
}

vocabulary! {
    /// Kind of person or organisation in contact (PR-ME-002 activity 3).
    Stakeholder {
        Aspirante => "aspirante", "Aspirante", [];
        Estudiante => "estudiante", "Estudiante", [];
        Egresado => "egresado", "Egresado", [];
        PadreFamilia => "padre_familia", "Padre de familia", ["padre_de_familia", "padres_de_familia", "acudiente"];
        Empleado => "empleado", "Empleado", ["personal_de_salud"];
        Vecino => "vecino", "Vecino", [];
        Proveedor => "proveedor", "Proveedor", [];
        Empresa => "empresa", "Empresa", [];
        Aliado => "aliado", "Aliado estratégico", ["aliado_estrategico"];
        Medio => "medio", "Medio de comunicación", ["medio_de_comunicacion", "prensa"];
        EnteControl => "ente_control", "Ente de control", ["ente_de_control"];
        Paciente => "paciente", "Paciente / usuario de centro", ["usuario_centro"];
        Otro => "otro", "Otro", ["otros"];
    }
}

vocabulary! {
    /// A service attribute (DESIGN §2); the first three are scored.
    Attribute {
        Kindness => "kindness", "Amabilidad en la atención", ["amabilidad"];
        InformationQuality => "information_quality", "Calidad de la información", ["calidad_de_la_informacion", "calidad_informacion"];
        Timeliness => "timeliness", "Oportunidad en la respuesta", ["oportunidad"];
    }
}

vocabulary! {
    /// Whether we answered a contact or started it.
    Direction {
        Inbound => "inbound", "Entrante", ["entrante"];
        Outbound => "outbound", "Saliente", ["saliente"];
    }
}

vocabulary! {
    /// How an interaction ended.
    Outcome {
        Resolved => "resolved", "Resuelto", ["resuelto"];
        Escalated => "escalated", "Escalado", ["escalado"];
        Abandoned => "abandoned", "Abandonado", ["abandonado"];
        Pending => "pending", "Pendiente", ["pendiente"];
    }
}

vocabulary! {
    /// A mystery-shopper checklist result.
    ItemResult {
        Pass => "pass", "Cumple", ["cumple", "si", "ok"];
        Fail => "fail", "No cumple", ["no_cumple", "no"];
        NotApplicable => "na", "No aplica", ["n_a", "no_aplica"];
    }
}

vocabulary! {
    /// The three kinds of input.
    SourceKind {
        Interactions => "interactions", "Interacciones", ["interacciones"];
        Surveys => "surveys", "Encuestas", ["encuestas"];
        Shopper => "shopper", "Cliente incógnito", ["cliente_incognito"];
    }
}

/// Free text folded for the theme lexicon: lowercase, without accents, `_` as a space.
pub fn fold_text(s: &str) -> String {
    fold_code(s).replace('_', " ")
}

/// Whether folded `text` mentions the folded lexicon entry `stem` at the start of a word:
/// `demora` finds "qué demora" and "demorado", never the inside of another word, so a stem
/// cannot fire on words that merely contain it.
pub fn mentions(text: &str, stem: &str) -> bool {
    !stem.is_empty()
        && text.match_indices(stem).any(|(at, _)| {
            text[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_aliases_fold_to_codes() {
        assert_eq!(Channel::parse("Teléfono"), Some(Channel::Phone));
        assert_eq!(Channel::parse(" Redes Sociales "), Some(Channel::Social));
        assert_eq!(Channel::parse("presencial"), Some(Channel::InPerson));
        assert_eq!(Channel::parse("fax"), None);
        assert_eq!(
            Stakeholder::parse("Padre de familia"),
            Some(Stakeholder::PadreFamilia)
        );
        assert_eq!(ItemResult::parse("N/A"), Some(ItemResult::NotApplicable));
    }

    #[test]
    fn every_code_parses_to_itself() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.code()), Some(*c));
        }
        for s in Stakeholder::ALL {
            assert_eq!(Stakeholder::parse(s.code()), Some(*s));
        }
    }

    #[test]
    fn theme_stems_match_at_word_starts_only() {
        let m = |t: &str, w: &str| mentions(&fold_text(t), &fold_text(w));
        assert!(m("Nunca RESPONDIÓ, qué demora", "demora"));
        assert!(m("demorado", "demora"));
        assert!(m("fue GROSERO", "groser"));
        assert!(m("(espera) larga", "espera"));
        assert!(!m("una oportunidad", "tarde"));
        assert!(!m("Buenas tardes, pregunto por la matrícula", "muy tarde"));
        assert!(!m("los respondemoras", "demora"));
        assert!(m("llegó muy tarde", "muy tarde"));
    }
}
