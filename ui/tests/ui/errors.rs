//! Errors read in the user's language: the engine sends a code and the values its sentence
//! names (`ApiError::args`), and the app words it from the catalogue, as it words findings.

use std::cell::RefCell;
use std::rc::Rc;

use egui_kittest::kittest::Queryable;
use plantlab_protocol::{message_args, ApiError, MessageArg};
use plantlab_ui::{Lang, Reply, Request};

use crate::common::{self, Fake};

const MISSING: &str = "/data/反应器 缺失.csv";

/// An engine whose loads are refused: the file is gone (the error as the engine codes it).
#[derive(Default)]
struct Refusing;

fn not_found() -> ApiError {
    plantlab_i18n::english_error("not_found", "", message_args([("path", MISSING.into())]))
}

/// The engine's error for a sheet the workbook lacks: a coded detail inside the sentence.
fn no_such_sheet() -> ApiError {
    let detail = MessageArg::phrase("detail_no_such_sheet", [("sheet", "数据".into()), ("sheets", "Sheet1, Sheet2".into())]);
    plantlab_i18n::english_error("bad_setting", "", message_args([("detail", detail)]))
}

impl common::Answer for Refusing {
    fn answer(&mut self, request: Request) -> Vec<Reply> {
        match request {
            Request::PickFile => vec![Reply::PickedFile(Some(MISSING.into()))],
            Request::InitialPath => vec![Reply::InitialPath(None)],
            Request::Load { .. } => vec![Reply::Error { context: String::new(), error: not_found() }],
            _ => vec![],
        }
    }
}

#[test]
fn an_engine_error_shows_in_chinese_without_falling_back() {
    let fake = Rc::new(RefCell::new(Fake::new(Refusing)));
    let mut harness = common::app_harness_in(fake.clone(), 1200.0, 800.0, Lang::ZhCn);
    harness.run();
    harness.get_by_label("打开…").click();
    harness.run();
    assert!(fake.borrow().sent.iter().any(|r| matches!(r, Request::Load { .. })), "the app asked to load the file");
    harness.get_by_label_contains(&format!("文件 {MISSING} 不存在。请检查路径，或用“打开…”选择文件。"));
    assert!(harness.query_by_label_contains("does not exist").is_none(), "the English sentence is not shown");
    common::assert_nothing_fell_back_to_english();
}

#[test]
fn a_coded_detail_inside_an_error_is_worded_too() {
    let error = no_such_sheet();
    assert_eq!(error.message, "Import setting not usable: the workbook has no sheet \"数据\"; it has Sheet1, Sheet2.");
    // As the bridge carries it.
    let sent: ApiError = common::via_json("ApiError", &error);
    let chinese = plantlab_i18n::Catalog::new(Lang::ZhCn);
    assert_eq!(plantlab_i18n::error_text(&chinese, &sent), "导入设置不可用：工作簿中没有工作表“数据”；它有：Sheet1, Sheet2。");
    assert_eq!(chinese.fallback_count(), 0);
}
