//! Unit tests of `import`.

use super::*;
use std::error::Error;

type TestResult = Result<(), Box<dyn Error>>;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// A valid synthetic ID number.
fn id(birth: NaiveDate, seq: u16) -> String {
    ResidentId::compose("370404", birth, seq)
        .map(|i| i.as_str().to_string())
        .unwrap_or_default()
}

fn check(code: &str) -> Option<Reason> {
    match code {
        "370404100299" => Some(Reason::UnknownOrg),
        "370405100201" => Some(Reason::OutOfScope),
        _ => None,
    }
}

fn read_all(r: &mut Reader, lang: Lang) -> Vec<Outcome> {
    let mut v = Vec::new();
    while let Some(o) = r.next_outcome(today(), lang, &check) {
        v.push(o);
    }
    v
}

fn csv(text: &str) -> Result<Vec<Outcome>, FileError> {
    let mut r = Reader::from_bytes("persons.csv", text.as_bytes().to_vec())?;
    Ok(read_all(&mut r, Lang::Zh))
}

/// (row, column, code) of every error, in order.
fn errors(outcomes: &[Outcome]) -> Vec<(usize, String, String)> {
    outcomes
        .iter()
        .flat_map(|o| match o {
            Outcome::Errors(es) => es
                .iter()
                .map(|e| (e.row, e.column.clone(), e.code.clone()))
                .collect(),
            Outcome::Row(_) => Vec::new(),
        })
        .collect()
}

fn rows(outcomes: &[Outcome]) -> Vec<&ImportRow> {
    outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Row(r) => Some(r),
            Outcome::Errors(_) => None,
        })
        .collect()
}

fn e(row: usize, column: &str, code: &str) -> (usize, String, String) {
    (row, column.to_string(), code.to_string())
}

#[test]
fn columns_table() {
    assert_eq!(COLUMNS.len(), NCOLS);
    assert_eq!(COLUMNS[RESIDENT_ID].header, "身份证号");
    assert_eq!(COLUMNS[HOUSEHOLD_NUMBER].alias, "household_number");
    let required: Vec<_> = COLUMNS
        .iter()
        .filter(|c| c.required)
        .map(|c| c.header)
        .collect();
    assert_eq!(required, vec!["姓名", "身份证号", "村代码"]);
}

#[test]
fn bom_and_shuffled_chinese_headers() -> TestResult {
    let text = "\u{feff}村代码, 身份证号 ,姓名,备注,户编号,与户主关系,性别,住址\n\
                370404100201,11010519491231002x,张晓梅,随便写,0001,户主,女, 光明路 1 号 \n";
    let out = csv(text)?;
    assert_eq!(out.len(), 1);
    let r = rows(&out);
    assert_eq!(r.len(), 1, "{out:?}");
    let r = r[0];
    assert_eq!(r.row, 2);
    assert_eq!(r.person.name.as_str(), "张晓梅");
    assert_eq!(r.person.resident_id.as_str(), "11010519491231002X");
    assert_eq!(r.person.village_code.as_str(), "370404100201");
    assert_eq!(r.person.sex, crate::person::Sex::Female);
    assert_eq!(r.person.relation, Some(crate::person::Relation::Head));
    assert_eq!(r.household_number.as_deref(), Some("0001"));
    assert_eq!(r.address, "光明路 1 号");
    Ok(())
}

#[test]
fn english_aliases() -> TestResult {
    let text = format!(
        "Village_Code,NAME,resident_id,phone,marital_status,birth_date,Household_Number,relation,address,sex\r\n\
         370404100201,李建国,{},138 1234 5678,已婚,1980-05-05,12-3,配偶,,男\r\n",
        id(date(1980, 5, 5), 101)
    );
    let out = csv(&text)?;
    let r = rows(&out);
    assert_eq!(r.len(), 1, "{out:?}");
    assert_eq!(r[0].row, 2);
    assert_eq!(
        r[0].person.phone.as_ref().map(|p| p.as_str()),
        Some("13812345678")
    );
    assert_eq!(
        r[0].person.marital_status,
        Some(crate::person::MaritalStatus::FirstMarriage)
    );
    assert_eq!(r[0].household_number.as_deref(), Some("12-3"));
    assert_eq!(r[0].address, "");
    Ok(())
}

#[test]
fn missing_required_columns_are_named() {
    let err = csv("姓名,性别\n张三,男\n").err();
    match &err {
        Some(FileError::MissingColumns(cols)) => assert_eq!(cols, &vec!["身份证号", "村代码"]),
        other => panic!("expected MissingColumns, got {other:?}"),
    }
    let err = err.map(|e| (e.message(Lang::Zh), e.message(Lang::En), e.code()));
    let (zh, en, code) = err.unwrap_or_default();
    assert!(zh.contains("身份证号") && zh.contains("村代码"), "{zh}");
    assert!(en.contains("村代码 (village_code)"), "{en}");
    assert_eq!(code, "missing_columns");
}

#[test]
fn file_level_errors() {
    let code = |r: Result<Reader, FileError>| r.err().map(|e| e.code());
    assert_eq!(
        code(Reader::from_bytes("a.txt", b"x".to_vec())),
        Some("unknown_format")
    );
    assert_eq!(
        code(Reader::from_bytes("noext", Vec::new())),
        Some("unknown_format")
    );
    assert_eq!(code(Reader::from_bytes("a.csv", Vec::new())), Some("empty"));
    assert_eq!(
        code(Reader::from_bytes("a.CSV", b"\n\r\n,, ,\n".to_vec())),
        Some("empty")
    );
    assert_eq!(
        code(Reader::from_bytes(
            "a.csv",
            b"name,\xE5\xA7\x93\xE5\x90\x8D,x\n".to_vec()
        )),
        Some("duplicate_column")
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("姓名".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    assert_eq!(
        code(Reader::from_bytes("a.csv", utf16)),
        Some("bad_encoding")
    );
    assert_eq!(
        code(Reader::from_bytes("a.csv", b"PK\x03\x04rest".to_vec())),
        Some("malformed")
    );
    assert_eq!(
        code(Reader::from_bytes("a.xlsx", b"not a zip".to_vec())),
        Some("malformed")
    );
    assert_eq!(
        code(Reader::from_bytes("a.xls", b"not a workbook".to_vec())),
        Some("malformed")
    );
    let missing = std::env::temp_dir().join("hearth-import-does-not-exist.csv");
    assert_eq!(code(Reader::open(&missing)), Some("unreadable"));
    let e = FileError::Empty;
    assert_ne!(e.message(Lang::Zh), e.message(Lang::En));
}

#[test]
fn bad_rows_are_reported_with_row_and_column() -> TestResult {
    let a = id(date(1985, 3, 1), 102); // female
    let male = id(date(1990, 7, 7), 13);
    let c = id(date(2001, 1, 2), 24);
    let lines = [
        "姓名,身份证号,性别,联系电话,村代码,户编号,与户主关系,住址".to_string(),
        format!("王芳,{a},女,13900001111,370404100201,0001,户主,"), // 2 ok
        "赵六,110105194912310021,,,370404100201,,,".to_string(),    // 3 checksum
        format!("孙七,{male},女,,370404100201,,,"),                 // 4 sex
        format!("周八,{c},,12345,370404100201,,,"),                 // 5 phone
        format!("吴九,{},,,370404100299,,,", id(date(1970, 1, 1), 35)), // 6 village
        ",,,,,,,".to_string(),                                      // 7 blank
        String::new(),                                              // 8 empty line
        format!("郑十,{a},,,370404100201,,,"),                      // 9 duplicate of 2
        format!("钱一,{},,,370404100201,,配偶,", id(date(1972, 2, 2), 46)), // 10
        format!(
            "冯二,{},,,370405100201,0002,,\"光明路\n1 号\"",
            id(date(1973, 3, 3), 57)
        ), // 11 (two lines), out of scope
        format!("陈三,{},,bad,370404100201,,,", id(date(1974, 4, 4), 68)), // 12 phone
        "   ".to_string(),                                          // 13 blank
        format!("褚四,{},,,370404100201,0003,子,", id(date(2010, 4, 4), 79)), // 14 ok
    ];
    let expected = vec![
        e(3, "身份证号", "bad_checksum"),
        e(4, "性别", "sex_mismatch"),
        e(5, "联系电话", "bad_phone"),
        e(6, "村代码", "unknown_org"),
        e(9, "身份证号", "duplicate"),
        e(10, "户编号", "required"),
        e(11, "村代码", "out_of_scope"),
        e(12, "联系电话", "bad_phone"),
    ];
    for (eol, trailing) in [("\n", "\n"), ("\r\n", "\r\n"), ("\r\n", ""), ("\r", "")] {
        let text = lines.join(eol) + trailing;
        let out = csv(&text)?;
        assert_eq!(errors(&out), expected, "line ends {eol:?}");
        let ok: Vec<usize> = rows(&out).iter().map(|r| r.row).collect();
        assert_eq!(ok, vec![2, 14], "line ends {eol:?}");
        assert_eq!(out.len(), 10);
    }
    // The duplicate's message names the first row, in both languages.
    let text = lines.join("\n");
    let mut r = Reader::from_bytes("p.csv", text.clone().into_bytes())?;
    let zh = read_all(&mut r, Lang::Zh);
    let mut r = Reader::from_bytes("p.csv", text.into_bytes())?;
    let en = read_all(&mut r, Lang::En);
    let dup = |o: &[Outcome]| -> Vec<String> {
        o.iter()
            .flat_map(|o| match o {
                Outcome::Errors(es) => es.clone(),
                Outcome::Row(_) => Vec::new(),
            })
            .filter(|e| e.code == "duplicate")
            .map(|e| e.message)
            .collect()
    };
    assert_eq!(dup(&zh), vec!["与本文件第 2 行的身份证号重复".to_string()]);
    assert_eq!(
        dup(&en),
        vec!["duplicates the ID number on row 2 of this file".to_string()]
    );
    Ok(())
}

#[test]
fn all_errors_of_a_row_are_collected() -> TestResult {
    let text = format!(
        "姓名,身份证号,出生日期,联系电话,村代码,户编号,与户主关系,住址\n\
         Tom,{},1990-01-01,123,370404100299,一,邻居,{}\n\
         李四,{},,,3704041002,,,\n",
        id(date(1985, 3, 1), 102),
        "长".repeat(101),
        id(date(1985, 3, 1), 102),
    );
    let out = csv(&text)?;
    assert_eq!(
        errors(&out),
        vec![
            e(2, "姓名", "bad_name"),
            e(2, "出生日期", "birth_date_mismatch"),
            e(2, "联系电话", "bad_phone"),
            e(2, "村代码", "unknown_org"),
            e(2, "户编号", "bad_character"),
            e(2, "与户主关系", "unknown_value"),
            e(2, "住址", "too_long"),
            // The ID of a row with other errors still counts as seen.
            e(3, "身份证号", "duplicate"),
            e(3, "村代码", "bad_org_code"),
        ]
    );
    Ok(())
}

#[test]
fn gbk_csv_is_decoded() -> TestResult {
    let text = format!(
        "姓名,身份证号,村代码,住址,婚姻状况\r\n张晓梅,11010519491231002X,370404100201,山东省枣庄市峄城区,丧偶\r\n\
         欧阳·娜,{},370404100201,“东关”街 €,未婚\r\n",
        id(date(1999, 9, 9), 2)
    );
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err());
    let mut r = Reader::from_bytes("gbk.csv", bytes.into_owned())?;
    let out = read_all(&mut r, Lang::Zh);
    let r = rows(&out);
    assert_eq!(r.len(), 2, "{out:?}");
    assert_eq!(r[0].person.name.as_str(), "张晓梅");
    assert_eq!(r[0].address, "山东省枣庄市峄城区");
    assert_eq!(r[1].person.name.as_str(), "欧阳·娜");
    assert_eq!(r[1].address, "“东关”街 €");
    assert_eq!(r[1].row, 3);

    // Plain GBK (a strict subset) and a file larger than the sniffed
    // prefix, so decoding crosses buffer boundaries.
    let mut big = String::from("姓名,身份证号,村代码,住址\n");
    for i in 0..3000u16 {
        let _ = writeln!(
            big,
            "张晓梅,{},370404100201,第{i}号院",
            id(date(1960, 1, 1) + chrono::Duration::days(i64::from(i)), 1)
        );
    }
    let (bytes, _, _) = encoding_rs::GBK.encode(&big);
    assert!(bytes.len() > SNIFF_BYTES);
    let mut r = Reader::from_bytes("gbk.csv", bytes.into_owned())?;
    let out = read_all(&mut r, Lang::Zh);
    let r = rows(&out);
    assert_eq!(r.len(), 3000);
    assert_eq!(r[2999].address, "第2999号院");
    assert_eq!(r[2999].row, 3001);
    Ok(())
}

#[test]
fn invalid_utf8_cell_in_a_utf8_file() -> TestResult {
    // Enough blank rows that the GBK bytes come after the sniffed prefix.
    let blank = ",,\n";
    let blanks = SNIFF_BYTES / blank.len() + 1;
    let mut bytes = "姓名,身份证号,村代码\n".as_bytes().to_vec();
    bytes.extend_from_slice(blank.repeat(blanks).as_bytes());
    bytes.extend_from_slice(b"\xD5\xC5,"); // 张 in GBK
    bytes.extend_from_slice(id(date(1999, 9, 9), 2).as_bytes());
    bytes.extend_from_slice(",370404100201\n张晓梅,11010519491231002X,370404100201\n".as_bytes());
    let mut r = Reader::from_bytes("mixed.csv", bytes)?;
    let out = read_all(&mut r, Lang::En);
    assert_eq!(errors(&out), vec![e(blanks + 2, "姓名", "bad_character")]);
    let ok: Vec<usize> = rows(&out).iter().map(|r| r.row).collect();
    assert_eq!(ok, vec![blanks + 3]);
    Ok(())
}

#[test]
fn xlsx_fixture() -> TestResult {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let headers = [
        "身份证号",
        "姓名",
        "联系电话",
        "出生日期",
        "村代码",
        "户编号",
        "与户主关系",
        "备注",
    ];
    for (c, h) in (0u16..).zip(headers) {
        sheet.write_string(0, c, h)?;
    }
    let dates = Format::new().set_num_format("yyyy-mm-dd");
    // Row 2: ID as text, phone and village code as numbers, a real date.
    sheet.write_string(1, 0, "11010519491231002X")?;
    sheet.write_string(1, 1, "张晓梅")?;
    sheet.write_number(1, 2, 13812345678.0)?;
    sheet.write_datetime_with_format(1, 3, ExcelDateTime::from_ymd(1949, 12, 31)?, &dates)?;
    sheet.write_number(1, 4, 370404100201.0)?;
    sheet.write_string(1, 5, "0007")?;
    sheet.write_string(1, 6, "户主")?;
    sheet.write_number(1, 7, 1.5)?;
    // Row 3 left blank; row 4: the ID typed as a number.
    sheet.write_number(3, 0, 110105194912310000.0)?;
    sheet.write_string(3, 1, "李四")?;
    sheet.write_string(3, 4, "370404100201")?;
    // Row 5: a text date that disagrees with the ID.
    sheet.write_string(4, 0, id(date(1980, 5, 5), 101))?;
    sheet.write_string(4, 1, "王五")?;
    sheet.write_string(4, 3, "1980-05-06")?;
    sheet.write_string(4, 4, "370404100201")?;
    let bytes = book.save_to_buffer()?;

    let mut r = Reader::from_bytes("人口.XLSX", bytes.clone())?;
    let out = read_all(&mut r, Lang::Zh);
    let ok = rows(&out);
    assert_eq!(ok.len(), 1, "{out:?}");
    assert_eq!(ok[0].row, 2);
    assert_eq!(ok[0].person.resident_id.as_str(), "11010519491231002X");
    assert_eq!(
        ok[0].person.phone.as_ref().map(|p| p.as_str()),
        Some("13812345678")
    );
    assert_eq!(ok[0].person.birth_date, date(1949, 12, 31));
    assert_eq!(ok[0].person.village_code.as_str(), "370404100201");
    assert_eq!(ok[0].household_number.as_deref(), Some("0007"));
    assert_eq!(
        errors(&out),
        vec![
            e(4, "身份证号", "bad_character"),
            e(5, "出生日期", "birth_date_mismatch"),
        ]
    );

    // The same workbook through a file on disk.
    let path = temp_path("xlsx");
    std::fs::write(&path, &bytes)?;
    let read = Reader::open(&path).map(|mut r| read_all(&mut r, Lang::Zh));
    let _ = std::fs::remove_file(&path);
    assert_eq!(read?, out);
    Ok(())
}

#[test]
fn oversized_row_is_skipped() -> TestResult {
    let text = format!(
        "姓名,身份证号,村代码\n{},x,y\n张晓梅,11010519491231002X,370404100201\n",
        "长".repeat(MAX_ROW_BYTES / 2)
    );
    let out = csv(&text)?;
    assert_eq!(errors(&out), vec![e(2, "", "too_long")]);
    assert_eq!(
        rows(&out).iter().map(|r| r.row).collect::<Vec<_>>(),
        vec![3]
    );
    Ok(())
}

#[test]
fn report_json_shape() -> TestResult {
    let errs = vec![
        RowError {
            row: 3,
            column: "身份证号".into(),
            code: "bad_checksum".into(),
            message: "校验码错误，请核对号码".into(),
        },
        RowError {
            row: 7,
            column: String::new(),
            code: "too_long".into(),
            message: "x\"y".into(),
        },
    ];
    let v: serde_json::Value = serde_json::from_str(&report_json(&errs))?;
    assert_eq!(
        v,
        serde_json::json!([
            {"row": 3, "column": "身份证号", "code": "bad_checksum", "message": "校验码错误，请核对号码"},
            {"row": 7, "column": "", "code": "too_long", "message": "x\"y"},
        ])
    );
    assert_eq!(report_json(&[]), "[]");
    Ok(())
}

#[test]
fn template_is_valid() -> TestResult {
    let t = template_csv();
    let header = t
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    let names: Vec<&str> = COLUMNS.iter().map(|c| c.header).collect();
    assert_eq!(header, names.join(","));
    let mut r = Reader::from_bytes("template.csv", t.into_bytes())?;
    let out = read_all(&mut r, Lang::Zh);
    let ok = rows(&out);
    assert_eq!(out.len(), 1);
    assert_eq!(ok.len(), 1, "{out:?}");
    assert_eq!(ok[0].person.resident_id.as_str(), "11010519491231002X");
    assert_eq!(ok[0].person.village_code.as_str(), "370404100201");
    Ok(())
}

#[test]
fn reader_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Reader>();
}

proptest::proptest! {
    #[test]
    fn arbitrary_csv_never_panics(
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
        gbk in proptest::prelude::any::<bool>(),
    ) {
        let mut bytes = "姓名,身份证号,村代码,户编号,与户主关系\n".as_bytes().to_vec();
        if gbk {
            bytes.extend_from_slice(b"\xD5\xC5");
        }
        bytes.extend_from_slice(&body);
        if let Ok(mut r) = Reader::from_bytes("f.csv", bytes) {
            let mut last = 1;
            while let Some(o) = r.next_outcome(today(), Lang::En, &check) {
                let row = match &o {
                    Outcome::Row(r) => r.row,
                    Outcome::Errors(es) => es.first().map_or(0, |e| e.row),
                };
                proptest::prop_assert!(row > last);
                last = row;
            }
        }
    }
}

fn temp_path(ext: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    std::env::temp_dir().join(format!(
        "hearth-import-{}-{nanos}-{}.{ext}",
        std::process::id(),
        fastrand::u64(..)
    ))
}

/// Throughput of reading and validating a 200 000-row CSV file:
/// `cargo test --release -p hearth-core import -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput_200k_rows() -> TestResult {
    use std::io::Write as _;
    const N: usize = 200_000;
    let path = temp_path("csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path)?);
        writeln!(
            w,
            "姓名,身份证号,性别,出生日期,联系电话,婚姻状况,村代码,户编号,与户主关系,住址"
        )?;
        let names = ["张晓梅", "李建国", "王芳", "欧阳·娜", "赵德柱", "陈静"];
        let first = date(1950, 1, 1);
        for i in 0..N {
            let days = i64::try_from(i % 18_000).unwrap_or_default();
            let seq = u16::try_from(i / 18_000).unwrap_or_default();
            let birth = first + chrono::Duration::days(days);
            let rid = ResidentId::compose("370404", birth, seq).ok_or("compose failed")?;
            writeln!(
                w,
                "{},{},{},{},138{:08},初婚,370404100201,{:04},户主,峄城区光明路 {} 号",
                names[i % names.len()],
                rid,
                rid.sex().label_zh(),
                birth.format("%Y-%m-%d"),
                i,
                i / 4,
                i
            )?;
        }
        w.flush()?;
    }
    let size = std::fs::metadata(&path)?.len();
    let started = std::time::Instant::now();
    let result = (|| -> Result<(usize, usize), FileError> {
        let mut r = Reader::open(&path)?;
        let (mut ok, mut bad) = (0, 0);
        let known = |_: &str| -> Option<Reason> { None };
        while let Some(o) = r.next_outcome(today(), Lang::Zh, &known) {
            match o {
                Outcome::Row(_) => ok += 1,
                Outcome::Errors(_) => bad += 1,
            }
        }
        Ok((ok, bad))
    })();
    let elapsed = started.elapsed();
    let _ = std::fs::remove_file(&path);
    let (ok, bad) = result?;
    let rate = N as f64 / elapsed.as_secs_f64();
    println!(
        "import: {N} rows ({:.1} MB) read and validated in {:.3} s: {rate:.0} rows/s",
        size as f64 / 1e6,
        elapsed.as_secs_f64()
    );
    assert_eq!((ok, bad), (N, 0));
    Ok(())
}
