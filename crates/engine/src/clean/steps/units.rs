//! The `convert_unit` step: y = scale·x + offset on a whole column (its unit changes too) or on
//! a segment of rows or time.

use plantlab_protocol::{Segment, UnitConversion};

use super::value_arg;
use crate::clean::table::{float_column, Table};
use crate::error::{Detail, EngineError, Result};

pub(super) fn convert_unit(
    table: &Table,
    out: &mut Table,
    op: &str,
    column: &str,
    conversion: UnitConversion,
    segment: Option<&Segment>,
) -> Result<()> {
    let (scale, offset) = conversion.coefficients();
    if !scale.is_finite() || !offset.is_finite() || scale == 0.0 {
        return Err(EngineError::BadStep(Detail::coded("conversion_unusable", [("scale", value_arg(scale)), ("offset", value_arg(offset))])));
    }
    let mut values = table.floats(op, column)?;
    let inside = segment_mask(table, op, segment)?;
    for (i, v) in values.iter_mut().enumerate() {
        if inside.as_ref().is_none_or(|m| m[i]) && v.is_finite() {
            *v = scale * *v + offset;
        }
    }
    out.put(float_column(column, &values))?;
    if segment.is_none() {
        match conversion.target_unit() {
            Some(unit) => {
                out.units.insert(column.to_owned(), unit.to_owned());
            }
            None => {
                out.units.remove(column);
            }
        }
    }
    Ok(())
}

fn segment_mask(table: &Table, op: &str, segment: Option<&Segment>) -> Result<Option<Vec<bool>>> {
    let n = table.height();
    Ok(match segment {
        None => None,
        Some(Segment::Rows { start, end }) => {
            if start > end || *end as usize > n {
                return Err(EngineError::BadStep(Detail::coded(
                    "segment_rows_outside",
                    [("start", (*start).into()), ("end", (*end).into()), ("rows", n.into())],
                )));
            }
            Some((0..n).map(|i| (i as u64) >= *start && (i as u64) < *end).collect())
        }
        Some(Segment::Time { from_ms, to_ms }) => {
            if from_ms > to_ms {
                return Err(EngineError::BadStep(Detail::coded("segment_reversed", [])));
            }
            let times = table.require_times(op)?;
            Some(times.iter().map(|t| t.is_some_and(|t| t >= *from_ms && t <= *to_ms)).collect())
        }
    })
}

#[cfg(test)]
mod tests {
    use plantlab_protocol::{CleanStep, Segment, UnitConversion};

    use super::super::apply;
    use super::super::test_tables::{table, values};

    #[test]
    fn unit_conversion_on_a_time_segment() {
        let t = table(vec![Some(10.0), Some(50.0), Some(50.0), Some(10.0)]);
        let step = CleanStep::ConvertUnit {
            column: "v".into(),
            conversion: UnitConversion::FahrenheitToCelsius,
            segment: Some(Segment::Time { from_ms: 60_000, to_ms: 120_000 }),
        };
        let v = values(&apply(&step, None, &t).unwrap());
        assert_eq!(v[0], 10.0);
        assert!((v[1] - 10.0).abs() < 1e-9);
    }
}
