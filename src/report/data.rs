//! Query results as a small typed frame, and the Spanish labels of the codes in them.

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};

use crate::catalog::Catalog;
use crate::vocabulary::{Attribute, Channel};

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Num(f64),
}

/// Rows of a query, column by name.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Frame {
    pub fn from_batches(batches: &[RecordBatch]) -> Frame {
        let mut f = Frame::default();
        let Some(first) = batches.first() else {
            return f;
        };
        f.columns = first
            .schema()
            .fields()
            .iter()
            .map(|x| x.name().clone())
            .collect();
        for b in batches {
            let cols: Vec<Vec<Cell>> = b
                .columns()
                .iter()
                .map(|c| {
                    let numeric = c.data_type().is_numeric();
                    if numeric {
                        let a = cast(c, &DataType::Float64).expect("numbers cast to Float64");
                        let a = a.as_primitive::<Float64Type>();
                        (0..a.len())
                            .map(|i| {
                                if a.is_null(i) {
                                    Cell::Null
                                } else {
                                    Cell::Num(a.value(i))
                                }
                            })
                            .collect()
                    } else {
                        let a = cast(c, &DataType::Utf8).expect("values cast to text");
                        let a = a.as_string::<i32>();
                        (0..a.len())
                            .map(|i| {
                                if a.is_null(i) {
                                    Cell::Null
                                } else {
                                    Cell::Text(a.value(i).to_string())
                                }
                            })
                            .collect()
                    }
                })
                .collect();
            for r in 0..b.num_rows() {
                f.rows.push(cols.iter().map(|c| c[r].clone()).collect());
            }
        }
        f
    }

    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    pub fn text(&self, row: &[Cell], name: &str) -> Option<String> {
        match row.get(self.col(name)?)? {
            Cell::Text(s) => Some(s.clone()),
            Cell::Num(n) => Some(if n.fract() == 0.0 {
                format!("{n:.0}")
            } else {
                n.to_string()
            }),
            Cell::Null => None,
        }
    }

    pub fn num(&self, row: &[Cell], name: &str) -> Option<f64> {
        match row.get(self.col(name)?)? {
            Cell::Num(n) => Some(*n),
            Cell::Text(s) => s.parse().ok(),
            Cell::Null => None,
        }
    }

    /// The rows whose `column` equals `value` (all rows when the column is absent).
    pub fn filter_eq(&self, column: &str, value: &str) -> Frame {
        let Some(i) = self.col(column) else {
            return self.clone();
        };
        Frame {
            columns: self.columns.clone(),
            rows: self
                .rows
                .iter()
                .filter(|r| matches!(&r[i], Cell::Text(s) if s == value))
                .cloned()
                .collect(),
        }
    }
}

/// Labels of codes for people, by the column they come from.
pub struct Labels<'a> {
    pub catalog: &'a Catalog,
}

impl Labels<'_> {
    pub fn unit(&self, code: &str) -> String {
        self.catalog
            .unit(code)
            .map_or(code.to_string(), |u| u.name.clone())
    }

    pub fn label(&self, column: &str, code: &str) -> String {
        match column {
            "unit" | "escalated_to" => self.unit(code),
            "channel" => match code {
                "sin_canal" => "Sin canal".into(),
                c => Channel::parse(c).map_or(c.to_string(), |c| c.label().to_string()),
            },
            "attribute" => {
                Attribute::parse(code).map_or(code.to_string(), |a| a.label().to_string())
            }
            "status" => status_label(code).to_string(),
            "source" => match code {
                "interactions" => "Interacciones".into(),
                "surveys" | "survey" => "Encuestas".into(),
                "shopper" => "Cliente incógnito".into(),
                c => c.to_string(),
            },
            "step" | "item" => crate::plans::causes::item_label(code),
            "period" => super::format::period(code),
            "level" => match code {
                "unit" => "Unidad".into(),
                "channel" => "Canal".into(),
                c => c.to_string(),
            },
            _ => code.to_string(),
        }
    }

    /// Sort key of a code: catalog order for units, vocabulary order for channels and
    /// attributes, the code itself otherwise.
    pub fn order(&self, column: &str, code: &str) -> (usize, String) {
        let pos = match column {
            "unit" => self.catalog.units.keys().position(|k| k == code),
            "channel" => Channel::ALL.iter().position(|c| c.code() == code),
            "attribute" => Attribute::ALL.iter().position(|c| c.code() == code),
            "source" => ["interactions", "surveys", "shopper"]
                .iter()
                .position(|c| *c == code),
            _ => None,
        };
        (pos.unwrap_or(usize::MAX), code.to_string())
    }
}

pub fn status_label(code: &str) -> &'static str {
    match code {
        "ok" => "En meta",
        "watch" => "En observación",
        "needs_plan" => "Requiere plan de mejoramiento",
        "insufficient_data" => "Datos insuficientes",
        _ => "Otro",
    }
}
