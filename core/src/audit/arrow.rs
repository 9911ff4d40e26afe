//! Recorded exchanges as Apache Arrow columns (feature `arrow`): the table form of the JSON
//! Lines format, for Parquet files, pyarrow, Spark and anything else that speaks Arrow.
//!
//! A table of exchanges has the record's fields as columns, by name:
//!
//! | column | Arrow type |
//! |---|---|
//! | `id` | text (`utf8`, `large_utf8`, `utf8_view`, or dictionary-encoded text) |
//! | `request`, `response`, `stream` | binary (the exact bytes) or text (UTF-8 bytes) |
//! | `request_b64`, `response_b64`, `stream_b64` | base64 text (the JSON form's; rarely needed) |
//! | `headers` | `map<utf8, utf8>` (a name may repeat), or a struct of text columns |
//! | `address`, `bundle` | text |
//!
//! A null cell is an absent field, so one table holds plain and streamed replies, and records
//! held to an `address` beside records held to a `bundle`. A column the format does not have is
//! an error for the whole table (a misspelt `respnose` must not silently drop the replies);
//! select the columns first. [`exchange_schema`] is the canonical schema.
//!
//! Results come back as [`result_schema`]: one row per input row, in order.

use super::{BadRow, FIELDS, Field, Record, ResultRow, row_from_fields};
use crate::{Error, ErrorKind};
use arrow_array::builder::{BooleanBuilder, ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field as Column, Fields, Schema, SchemaRef};
use std::sync::Arc;

fn invalid(reason: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidArgument, reason)
}

/// The canonical Arrow schema of recorded exchanges: `id` text; `request`, `response`,
/// `stream` binary; `headers` `map<utf8, utf8>`; `address`, `bundle` text. Every column but
/// `id` and `request` may be null.
pub fn exchange_schema() -> SchemaRef {
    let entries = Column::new(
        "entries",
        DataType::Struct(Fields::from(vec![
            Column::new("keys", DataType::Utf8, false),
            Column::new("values", DataType::Utf8, true),
        ])),
        false,
    );
    Arc::new(Schema::new(vec![
        Column::new("id", DataType::Utf8, false),
        Column::new("request", DataType::Binary, false),
        Column::new("response", DataType::Binary, true),
        Column::new("stream", DataType::Binary, true),
        Column::new("headers", DataType::Map(Arc::new(entries), false), true),
        Column::new("address", DataType::Utf8, true),
        Column::new("bundle", DataType::Utf8, true),
    ]))
}

/// The Arrow schema of audit results: `id` (text, null for a row whose id could not be read),
/// `verified` (bool), `key` (`attested`, `caveated`, `named` or `none`), `failed` and
/// `warnings` (lists of check ids), `signer`, `request_hash`, `response_hash`, `error` (why
/// a row is not a record; null for records) and `source` (text, nullable).
pub fn result_schema() -> SchemaRef {
    let list = || DataType::List(Arc::new(Column::new("item", DataType::Utf8, true)));
    Arc::new(Schema::new(vec![
        Column::new("id", DataType::Utf8, true),
        Column::new("verified", DataType::Boolean, false),
        Column::new("key", DataType::Utf8, false),
        Column::new("failed", list(), false),
        Column::new("warnings", list(), false),
        Column::new("signer", DataType::Utf8, true),
        Column::new("request_hash", DataType::Utf8, true),
        Column::new("response_hash", DataType::Utf8, true),
        Column::new("error", DataType::Utf8, true),
        Column::new("source", DataType::Utf8, true),
    ]))
}

type Text<'a> = Box<dyn Fn(usize) -> Option<&'a str> + 'a>;
type Bytes<'a> = Box<dyn Fn(usize) -> Option<&'a [u8]> + 'a>;
type Headers<'a> = Box<dyn Fn(usize) -> Field + 'a>;

/// How one column's cells become fields.
enum Cells<'a> {
    Text(Text<'a>),
    Bytes(Bytes<'a>),
    Headers(Headers<'a>),
    Null,
}

impl Cells<'_> {
    fn get(&self, i: usize) -> Field {
        match self {
            Cells::Text(f) => f(i).map_or(Field::Null, |s| Field::Text(s.to_string())),
            Cells::Bytes(f) => f(i).map_or(Field::Null, |b| Field::Bytes(b.to_vec())),
            Cells::Headers(f) => f(i),
            Cells::Null => Field::Null,
        }
    }
}

/// The text of a text column's cells (`None` for a null cell); `None` when the column is not
/// text.
fn text_cells(a: &dyn Array) -> Option<Text<'_>> {
    if let Some(s) = a.as_string_opt::<i32>() {
        return Some(Box::new(move |i| s.is_valid(i).then(|| s.value(i))));
    }
    if let Some(s) = a.as_string_opt::<i64>() {
        return Some(Box::new(move |i| s.is_valid(i).then(|| s.value(i))));
    }
    if let Some(s) = a.as_string_view_opt() {
        return Some(Box::new(move |i| s.is_valid(i).then(|| s.value(i))));
    }
    if let Some(d) = a.as_any_dictionary_opt() {
        let values = text_cells(d.values().as_ref())?;
        if d.values().is_empty() {
            // Every cell is null (an all-null dictionary column has no values).
            return Some(Box::new(|_| None));
        }
        let keys = d.normalized_keys();
        return Some(Box::new(move |i| {
            if d.is_valid(i) {
                keys.get(i).and_then(|&k| values(k))
            } else {
                None
            }
        }));
    }
    None
}

/// The bytes of a binary (or text) column's cells; `None` when the column is neither.
fn bytes_cells(a: &dyn Array) -> Option<Bytes<'_>> {
    if let Some(b) = a.as_binary_opt::<i32>() {
        return Some(Box::new(move |i| b.is_valid(i).then(|| b.value(i))));
    }
    if let Some(b) = a.as_binary_opt::<i64>() {
        return Some(Box::new(move |i| b.is_valid(i).then(|| b.value(i))));
    }
    if let Some(b) = a.as_binary_view_opt() {
        return Some(Box::new(move |i| b.is_valid(i).then(|| b.value(i))));
    }
    if let Some(b) = a.as_fixed_size_binary_opt() {
        return Some(Box::new(move |i| b.is_valid(i).then(|| b.value(i))));
    }
    let text = text_cells(a)?;
    Some(Box::new(move |i| text(i).map(str::as_bytes)))
}

/// Headers from a `map<text, text>` column or a struct of text columns.
fn header_cells(a: &dyn Array) -> Option<Headers<'_>> {
    if let Some(m) = a.as_map_opt() {
        let names = text_cells(m.keys().as_ref())?;
        let values = text_cells(m.values().as_ref())?;
        let offsets = m.value_offsets();
        return Some(Box::new(move |i| {
            if !m.is_valid(i) {
                return Field::Null;
            }
            let (Some(&start), Some(&end)) = (offsets.get(i), offsets.get(i + 1)) else {
                return Field::Other;
            };
            let mut headers = Vec::new();
            for j in start.max(0) as usize..end.max(0) as usize {
                match (names(j), values(j)) {
                    (Some(n), Some(v)) => headers.push((n.to_string(), v.to_string())),
                    _ => return Field::Other,
                }
            }
            Field::Headers(headers)
        }));
    }
    if let Some(s) = a.as_struct_opt() {
        let columns: Vec<(String, Text<'_>)> = s
            .fields()
            .iter()
            .zip(s.columns())
            .map(|(f, c)| text_cells(c.as_ref()).map(|t| (f.name().clone(), t)))
            .collect::<Option<_>>()?;
        return Some(Box::new(move |i| {
            if !s.is_valid(i) {
                return Field::Null;
            }
            Field::Headers(
                columns
                    .iter()
                    .filter_map(|(n, t)| t(i).map(|v| (n.clone(), v.to_string())))
                    .collect(),
            )
        }));
    }
    None
}

/// The records of a batch, one per row, in order: a row that is not a record is its error.
/// Errors as a whole when a column is not one of the format's or has a type it cannot hold.
pub fn records_from_batch(batch: &RecordBatch) -> Result<Vec<Result<Record, BadRow>>, Error> {
    let schema = batch.schema();
    let mut columns: Vec<(&str, Cells<'_>)> = Vec::new();
    for (field, array) in schema.fields().iter().zip(batch.columns()) {
        let name = field.name().as_str();
        if !FIELDS.contains(&name) {
            return Err(invalid(format!(
                "unknown column {name:?} (a table of exchanges has {}; select those first)",
                FIELDS.join(", ")
            )));
        }
        if columns.iter().any(|(n, _)| *n == name) {
            return Err(invalid(format!("column {name:?} is given twice")));
        }
        let array: &dyn Array = array.as_ref();
        let (cells, want) = if array.data_type() == &DataType::Null {
            (Some(Cells::Null), "")
        } else {
            match name {
                "request" | "response" | "stream" => {
                    (bytes_cells(array).map(Cells::Bytes), "binary or text")
                }
                "headers" => (
                    header_cells(array).map(Cells::Headers),
                    "map<utf8, utf8> or a struct of text",
                ),
                _ => (text_cells(array).map(Cells::Text), "text"),
            }
        };
        let cells = cells.ok_or_else(|| {
            invalid(format!(
                "column {name:?} is {}: it must be {want}",
                array.data_type()
            ))
        })?;
        columns.push((name, cells));
    }
    Ok((0..batch.num_rows())
        .map(|i| {
            row_from_fields(
                columns
                    .iter()
                    .map(|(name, cells)| (name.to_string(), cells.get(i)))
                    .collect(),
            )
        })
        .collect())
}

/// Records as one batch of [`exchange_schema`] (the inverse of [`records_from_batch`]): to
/// write a log as Parquet, or hand it to any Arrow consumer.
pub fn records_batch(records: &[Record]) -> Result<RecordBatch, Error> {
    use arrow_array::builder::{BinaryBuilder, MapBuilder, MapFieldNames};
    let mut id = StringBuilder::new();
    let mut request = BinaryBuilder::new();
    let mut response = BinaryBuilder::new();
    let mut stream = BinaryBuilder::new();
    let names = MapFieldNames {
        entry: "entries".into(),
        key: "keys".into(),
        value: "values".into(),
    };
    let mut headers = MapBuilder::new(Some(names), StringBuilder::new(), StringBuilder::new());
    let mut address = StringBuilder::new();
    let mut bundle = StringBuilder::new();
    let internal = |e: arrow_schema::ArrowError| {
        Error::new(ErrorKind::Internal, format!("building the table: {e}"))
    };
    for r in records {
        id.append_value(&r.id);
        request.append_value(&r.request);
        match &r.reply {
            super::Reply::Response { body, headers: h } => {
                response.append_value(body);
                stream.append_null();
                for (k, v) in h {
                    headers.keys().append_value(k);
                    headers.values().append_value(v);
                }
                headers.append(true).map_err(internal)?;
            }
            super::Reply::Stream(s) => {
                response.append_null();
                stream.append_value(s);
                headers.append(false).map_err(internal)?;
            }
        }
        match &r.signer {
            super::Signer::Address(a) => {
                address.append_value(a.to_string());
                bundle.append_null();
            }
            super::Signer::Bundle(b) => {
                address.append_null();
                bundle.append_value(b);
            }
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(request.finish()),
        Arc::new(response.finish()),
        Arc::new(stream.finish()),
        Arc::new(headers.finish()),
        Arc::new(address.finish()),
        Arc::new(bundle.finish()),
    ];
    RecordBatch::try_new(exchange_schema(), columns).map_err(internal)
}

/// Result rows as one batch of [`result_schema`].
pub fn results_batch(rows: &[ResultRow]) -> Result<RecordBatch, Error> {
    let text = |f: &dyn Fn(&ResultRow) -> Option<&str>| -> ArrayRef {
        let mut b = StringBuilder::new();
        for r in rows {
            b.append_option(f(r));
        }
        Arc::new(b.finish())
    };
    let list = |f: &dyn Fn(&ResultRow) -> &[String]| -> ArrayRef {
        let mut b = ListBuilder::new(StringBuilder::new());
        for r in rows {
            for id in f(r) {
                b.values().append_value(id);
            }
            b.append(true);
        }
        Arc::new(b.finish())
    };
    let mut verified = BooleanBuilder::new();
    for r in rows {
        verified.append_value(r.verified);
    }
    let columns: Vec<ArrayRef> = vec![
        text(&|r| r.id.as_deref()),
        Arc::new(verified.finish()),
        text(&|r| Some(r.key.as_str())),
        list(&|r| &r.failed),
        list(&|r| &r.warnings),
        text(&|r| r.signer.as_deref()),
        text(&|r| r.request_hash.as_deref()),
        text(&|r| r.response_hash.as_deref()),
        text(&|r| r.error.as_deref()),
        text(&|r| r.source.as_deref()),
    ];
    RecordBatch::try_new(result_schema(), columns)
        .map_err(|e| Error::new(ErrorKind::Internal, format!("building the results: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use arrow_array::builder::{MapBuilder, StringDictionaryBuilder};
    use arrow_array::types::Int32Type;
    use arrow_array::{BinaryArray, StringArray, StructArray};

    const ADDRESS: &str = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(columns).unwrap()
    }

    fn map_of(rows: &[Option<&[(&str, &str)]>]) -> ArrayRef {
        let mut b = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
        for row in rows {
            match row {
                Some(pairs) => {
                    for (k, v) in *pairs {
                        b.keys().append_value(k);
                        b.values().append_value(v);
                    }
                    b.append(true).unwrap();
                }
                None => b.append(false).unwrap(),
            }
        }
        Arc::new(b.finish())
    }

    #[test]
    fn rows_read_like_json_records_and_nulls_are_absent_fields() {
        let ids: ArrayRef = Arc::new(StringArray::from(vec!["a", "b", "c"]));
        let request: ArrayRef = Arc::new(BinaryArray::from(vec![&b"{}"[..], b"{}", b"{}"]));
        let response: ArrayRef = Arc::new(BinaryArray::from(vec![Some(&b"r"[..]), None, None]));
        let stream: ArrayRef = Arc::new(StringArray::from(vec![None, Some("data: x\n\n"), None]));
        let headers = map_of(&[Some(&[("a", "1"), ("a", "2")]), None, None]);
        let mut address = StringDictionaryBuilder::<Int32Type>::new();
        address.append_value(ADDRESS);
        address.append_value(ADDRESS);
        address.append_null();
        let bundle: ArrayRef = Arc::new(StringArray::from(vec![None, None, Some("b.json")]));
        let b = batch(vec![
            ("id", ids),
            ("request", request),
            ("response", response),
            ("stream", stream),
            ("headers", headers),
            ("address", Arc::new(address.finish())),
            ("bundle", bundle),
        ]);
        let rows = records_from_batch(&b).unwrap();
        let a = rows[0].as_ref().unwrap();
        assert_eq!(
            a.reply,
            super::super::Reply::Response {
                body: b"r".to_vec(),
                headers: vec![("a".into(), "1".into()), ("a".into(), "2".into())]
            }
        );
        assert!(matches!(
            rows[1].as_ref().unwrap().reply,
            super::super::Reply::Stream(_)
        ));
        let bad = rows[2].as_ref().unwrap_err();
        assert_eq!(bad.id.as_deref(), Some("c"));
        let e = bad.to_string();
        assert!(e.contains("`response` or `stream`"), "{e}");
    }

    #[test]
    fn unknown_columns_and_wrong_types_refuse_the_table() {
        let ids: ArrayRef = Arc::new(StringArray::from(vec!["a"]));
        let e = records_from_batch(&batch(vec![("id", ids.clone()), ("respnose", ids.clone())]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown column \"respnose\""), "{e}");
        let n: ArrayRef = Arc::new(arrow_array::Int64Array::from(vec![1]));
        let e = records_from_batch(&batch(vec![("id", n)]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be text"), "{e}");
    }

    #[test]
    fn an_all_null_dictionary_column_reads_as_absent() {
        let mut address = StringDictionaryBuilder::<Int32Type>::new();
        address.append_null();
        address.append_null();
        let ids: ArrayRef = Arc::new(StringArray::from(vec!["a", "b"]));
        let rows = records_from_batch(&batch(vec![
            ("id", ids),
            ("address", Arc::new(address.finish())),
        ]))
        .unwrap();
        assert!(
            rows.iter()
                .all(|r| r.as_ref().unwrap_err().to_string().contains("missing"))
        );
    }

    #[test]
    fn struct_headers_skip_null_fields() {
        let text: ArrayRef = Arc::new(StringArray::from(vec![Some("t"), None]));
        let sig: ArrayRef = Arc::new(StringArray::from(vec![Some("s"), Some("s2")]));
        let s = StructArray::from(vec![
            (Arc::new(Column::new("text", DataType::Utf8, true)), text),
            (
                Arc::new(Column::new("signature", DataType::Utf8, true)),
                sig,
            ),
        ]);
        let cells = header_cells(&s).unwrap();
        assert_eq!(
            cells(1),
            Field::Headers(vec![("signature".into(), "s2".into())])
        );
    }

    #[test]
    fn records_round_trip_through_the_canonical_schema() {
        let plain = Record::from_fields([
            ("id".to_string(), Field::Text("p".into())),
            ("request".to_string(), Field::Bytes(vec![0xff, 0])),
            ("response".to_string(), Field::Text("{}".into())),
            (
                "headers".to_string(),
                Field::Headers(vec![("a".into(), "1".into()), ("a".into(), "2".into())]),
            ),
            ("address".to_string(), Field::Text(ADDRESS.into())),
        ])
        .unwrap();
        let streamed = Record::from_fields([
            ("id".to_string(), Field::Text("s".into())),
            ("request".to_string(), Field::Text("{}".into())),
            ("stream".to_string(), Field::Text("data: x\n\n".into())),
            ("bundle".to_string(), Field::Text("b.json".into())),
        ])
        .unwrap();
        let records = vec![plain, streamed];
        let b = records_batch(&records).unwrap();
        assert_eq!(b.schema(), exchange_schema());
        let back: Vec<Record> = records_from_batch(&b)
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(back, records);
    }

    #[test]
    fn results_round_trip_into_their_schema() {
        let rows = vec![
            ResultRow {
                id: Some("x".into()),
                verified: true,
                key: "named".into(),
                warnings: vec!["audit.signer".into()],
                ..ResultRow::default()
            },
            ResultRow::error(None, "no".into()),
        ];
        let b = results_batch(&rows).unwrap();
        assert_eq!(b.num_rows(), 2);
        assert_eq!(b.schema(), result_schema());
        assert!(b.column(1).as_boolean().value(0));
        assert_eq!(b.column(8).as_string::<i32>().value(1), "no");
    }
}
