# 导入警告（`import-<code>`）、任务开始时的名称（`task-<code>`）、清洗步骤的文字
# （`step-<op>[-<variant>]` 及其组成部分）与质量门检查项在表格中的名称（`gate-title-<check>`）。

## 导入警告

import-truncated-character = 文件在一个字符中间结束（第 { $byte } 字节）；最后一行可能不完整。
import-read-as-legacy = 文件不是有效的 UTF-8；已按 { $encoding } 读取（最接近的编码）。
import-utf16-replaced = 部分字符无法按 UTF-16 解码，已替换为替换字符 U+FFFD。
import-invalid-bytes = 部分字节不是有效的 { $encoding }，已替换为替换字符 U+FFFD；如果名称或单位显示为乱码，请在导入设置中（命令行用 --encoding）把文本编码设为以下之一：{ $encodings }。
import-low-confidence = 文本编码推测为 { $encoding }，但把握不大（{ $percent } %）；如果名称或单位显示为乱码，请在导入设置中（命令行用 --encoding）把文本编码设为以下之一：{ $encodings }。
import-duplicate-name = 列名“{ $name }”出现了不止一次；重复的那一列命名为“{ $renamed }”。
import-surplus-names = 表头列出 { $names } 列，但没有任何一行超过 { $widest } 个值，因此最后 { $empty } 列（{ $first } …）为空。如果这些名称属于另一个文件，请为这些值给出 { $widest } 个列名。
import-one-column = 每一行都被读成了一列，但每行约有 { $numbers } 个数值，以{ $between ->
        [tabs] 制表符
        [semicolons] 分号
        [bars] 竖线
       *[spaces] 空格
    }分隔。请把分隔符设为数值之间的那个（连续空格或制表符用“whitespace”），如果第一行就是数据，请把表头行数设为 0。
import-narrowed-numbers = 列“{ $column }”：{ $count } 个用全角字符输入的数值（例如“{ $wide }”）已按 ASCII 数值读取（“{ $ascii }”）。
import-unread-wide-numbers = 列“{ $column }”含有无法读成数值的全角数字（例如“{ $example }”），因此仍为文本列。请用 ASCII 数字（0-9，小数用点，数值中不要有逗号）重新输入后再导入。
import-transposed = 文件有 { $rows } 行、{ $columns } 列数值且没有表头：PlantLab 把每一列读作一个位号、每一行读作一个样本；如果每一行是一个变量随时间的取值，请先转置文件（每个位号一列）再导入。
import-lone-quotes = 数据第 { $row } 行的“{ $column }”在文本中含有引号（"）：{ $text }{ $others ->
        [0] {""}
       *[other] ，另有 { $others } 个单元格也是如此
    }。不作为单元格开头的引号已按文本的一部分读取。
import-unlisted-status-texts = 列“{ $column }”是数值列，但含有文本 { $texts }；这些文本已按缺失值读取。如果它们是状态文本，请把它们加入状态文本列表。
import-dst-repeat = 本地时间在第 { $row } 行出现重复（时钟在 { $time } 回拨约一小时）：这是夏令时结束时的回拨。时间按原样保留；请在清洗时排序或处理重复的时间戳。
import-windows-1252-parts = 文件的部分内容不是有效的 UTF-8；这些部分已按 Windows-1252 读取。
import-legacy-parts = 文件后部有部分内容不是 UTF-8，但可按 { $encoding } 正确解码，已按 { $encoding } 读取。如果那里的文字显示不对，请在导入设置中选定文件的编码后重新打开。

## 任务名称

task-loading = 正在加载 { $file }
task-training = 正在以“{ $target }”为目标训练 { $model }
task-applying-recipe = 正在应用配方 { $file }
task-applying-suggestions = 正在应用建议步骤
task-cleaning = 正在清洗
task-predicting = 正在对“{ $file }”进行预测
task-training-normal = 正在训练正常运行模型（{ $detector ->
        [process-lm] { detector-process-lm }
       *[linear-predictor] { detector-linear-predictor }
    }）
task-evaluating-normal = 正在以“{ $label }”评估运行 { $run }
task-checking-normal = 正在检查“{ $file }”是否偏离正常运行

## 清洗步骤

step-columns-none = 无列
step-columns-more = { $first }、{ $second } 及另外 { $more } 列
step-select = 仅保留 { $columns }
step-drop = 删除 { $columns }
step-rename = 将 { $from } 重命名为 { $to }
step-cast = 将 { $column } 转换为{ $type ->
        [float] 浮点数
        [integer] 整数
        [boolean] 布尔值
       *[text] 文本
    }
step-parse-timestamp = 将 { $column } 解析为时间戳（{ $format }）
step-parse-timestamp-sniffed = 将 { $column } 解析为时间戳（自动识别格式）
step-sort-by-time = 按时间排序各行
step-drop-duplicate-rows = 删除与前面某行完全相同的行
step-resolve-duplicate-timestamps-first = 每个时间戳只保留一行（保留第一行）
step-resolve-duplicate-timestamps-last = 每个时间戳只保留一行（保留最后一行）
step-resolve-duplicate-timestamps-mean = 每个时间戳只保留一行（取平均）
step-resample = 重采样为 { $interval } 秒（{ $aggregate ->
        [last] 取末值
        [min] 取最小值
        [max] 取最大值
       *[mean] 取均值
    }）
step-resample-maxima = 重采样为 { $interval } 秒（{ $aggregate ->
        [last] 取末值
        [min] 取最小值
        [max] 取最大值
       *[mean] 取均值
    }；{ $maxima } 取最大值）
step-fill-forward = 前向填充 { $columns }
step-fill-forward-limit = 前向填充 { $columns }（≤ { $limit } 个样本）
step-fill-interpolate = 对 { $columns } 的缺失值插值
step-fill-interpolate-limit = 对 { $columns } 的缺失值插值（≤ { $limit } 个样本）
step-fill-forward-within = 前向填充 { $columns }（缺口 ≤ { $gap }）
step-fill-interpolate-within = 对 { $columns } 的缺失值插值（缺口 ≤ { $gap }）
step-fill-median = 用训练部分的中位数填充 { $columns }
step-fill-value = 用 { $value } 填充 { $columns }
step-outliers-null = 将 { $columns } 中{ $how }的值设为缺失
step-outliers-clip = 将 { $columns } 中{ $how }的值截断到界限
step-how-iqr = 超出 { $k }×IQR
step-how-mad = 偏离中位数超过 { $k } 个稳健 σ
step-how-hampel = 属于尖峰（Hampel，±{ $window } 个样本，{ $k } σ）
step-how-range = 取值 { $bounds }
step-bounds-or = {" "}或{" "}
step-flatline-to-null = 将 { $columns } 中连续 ≥ { $min-run } 个样本不变的卡滞段设为缺失
step-convert-unit = 换算 { $column }：{ $conversion }
step-convert-unit-time = 换算 { $column }：{ $conversion }，从 { $from } 到 { $to }
step-convert-unit-rows = 换算 { $column }：{ $conversion }，第 { $start }..{ $end } 行
step-exclude-periods = 排除满足 { $condition } 的行
step-exclude-periods-padded = 排除满足 { $condition } 的行（前后各 { $pad } 秒）
step-filter-rows = 仅保留满足 { $condition } 的行
step-condition = { $column } { $op } { $value }
step-condition-missing = { $column } 缺失
step-condition-present = { $column } 有值
step-derive-label-column = 标签 { $name }：{ $horizon } 小时内发生事件（事件来自 { $column }）
step-derive-label-events = 标签 { $name }：{ $horizon } 小时内发生事件（{ $count } 个列出的事件）
step-weight-classes = 为 { $label } 的各类别平衡加权，写入 { $column }

## 质量门检查项名称

gate-title-rows = 行数
gate-title-missing-share = 缺失比例
gate-title-status-text = 状态文本
gate-title-duplicate-rows = 重复行
gate-title-duplicate-timestamps = 重复时间戳
gate-title-unsorted-timestamps = 时间戳乱序
gate-title-gaps = 数据缺口
gate-title-flatline-samples = 卡滞样本
gate-title-spikes = 尖峰
gate-title-out-of-range = 超出量程
gate-title-unit-jump-samples = 单位跳变样本
gate-title-constant-columns = 常数列
gate-title-high-cardinality-columns = 高基数列
gate-title-label-imbalance = 标签不平衡

## 按类别的数据质量问题（标记与列表）

finding-kind-missing = 缺失
finding-kind-status-text = 状态文本
finding-kind-duplicate-rows = 重复行
finding-kind-duplicate-timestamps = 重复时间戳
finding-kind-unsorted-timestamps = 时间戳乱序
finding-kind-gap = 数据间隔
finding-kind-flatline = 卡滞
finding-kind-spike = 尖峰
finding-kind-out-of-range = 超出范围
finding-kind-unit-jump = 单位跳变
finding-kind-constant = 常量
finding-kind-high-cardinality = 高基数
finding-kind-label-imbalance = 标签不平衡
finding-kind-shutdown = 停机

## 评估的数据

evaluated-test-split = 训练记录 { $run } 的测试集
