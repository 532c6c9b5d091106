# 引擎编码的句子：数据质量发现（`finding-<类型>[-<变体>]` 及其组成短语）和质量门检查
# （`gate-<检查>[-<变体>]`）。

## 发现

finding-status-text = { $column }：{ $count } 个单元格是历史库状态文本而非读数，已按缺失处理。
finding-missing = { $column }：{ $count } 个单元格为空（占行数的 { $share }）。
finding-missing-besides-status-texts = { $column }：除 { $status } 个状态文本外，还有 { $count } 个单元格为空（占行数的 { $share }）。
finding-duplicate-rows = { $count } 行与之前某行完全相同（时间戳和所有数值）。
finding-duplicate-rows-without-time = { $count } 行与之前某行完全相同。
finding-duplicate-timestamps = { $count } 行重复了之前的时间戳但数值不同（合并所致，或本地时间重复的一小时）。
finding-unsorted-timestamps = 时间戳在 { $count } 处倒退；重采样前请先按时间排序。
finding-gap = { $count } 处间隙超过采样间隔（{ $interval }）的 { $factor } 倍；最长的持续 { $longest }，结束于 { $end }。
finding-flatline = { $column } 卡滞在 { $runs } 段至少 { $min-run } 个相同样本的连续段中（共 { $samples } 个样本）；最长一段为 { $longest } 个样本，数值 { $value }，始于 { $start }。
finding-spike = { $column } 有 { $count } 个孤立尖峰样本，偏离邻近值超过 { $k } 个稳健标准差。
finding-out-of-range = { $column } 有 { $count } 个不合理的值：{ $parts }。
finding-unit-jump = { $column }：从 { $from } 到 { $to } 的 { $samples } 个样本处于 { $level }，而前后约为 { $around }，符合 { $conversion }；这些样本可能是以另一种单位记录的。
finding-unit-jump-segments = { $column }：从 { $from } 到 { $to } 的 { $samples } 个样本处于 { $level }，而前后约为 { $around }，符合 { $conversion }（共 { $segments } 段，{ $total } 个样本）；这些样本可能是以另一种单位记录的。
finding-constant = { $column } 在全部 { $rows } 个非空行中只有一个值 { $value }。
finding-constant-text = { $column } 在全部 { $rows } 个非空行中只有一个值“{ $value }”。
finding-high-cardinality = { $column } 在 { $rows } 行中有 { $distinct } 个不同的值（{ $share }）；它像是标识符，而不是特征。
finding-label-imbalance = 标签 { $column } 类别不平衡：最少的类别 { $class } 只占 { $total } 个已标注行的 { $share }（{ $classes }）；请为各类别加权（或用召回率和精确率而非准确率评判模型）。
finding-label-imbalance-by-weight = 标签 { $column } 类别不平衡：按权重计，最少的类别 { $class } 只占 { $total } 个已标注行的 { $share }（{ $classes }）；请为各类别加权（或用召回率和精确率而非准确率评判模型）。
finding-label-imbalance-single-class = 标签 { $column } 只有一个类别（{ $classes }）；模型无法从中学习。
finding-shutdown = { $subject }：{ $periods }，{ $machine ->
        [pump] 泵
       *[other] 设备
    }处于停机状态（{ $rows } 行；{ $tags }）。停机是一种运行状态，而不是传感器卡滞：请排除这些时段，而不是填补它们。

## 发现中的短语

finding-place-row = 第 { $row } 行
finding-out-of-range-sentinels = { $count } 个历史库哨兵值（{ $values }）
finding-out-of-range-outside = { $count } 个值超出{ $range }
finding-out-of-range-invalid = { $count } 个无穷大或 ≥ 1e30 的值
finding-range-configured = 设定范围 { $low } … { $high }
finding-range-unit = { $unit } 的范围 { $low } … { $high }
finding-range-unit-at-least = { $unit } 的范围 ≥ { $low }
finding-range-plausible = 合理范围
finding-shutdown-condition-fails = { $condition } 不成立
finding-condition-missing = { $column } 缺失
finding-condition-present = { $column } 有值
finding-shutdown-signals-zero = { $signals }{ $signal-count ->
        [1] {""}
       *[other] 均
    }{ $exact ->
        [yes] 为 0
       *[other] 接近 0
    }
finding-signal-flow = 流量
finding-signal-current = 电机电流
finding-signal-speed = 转速
finding-signal-power = 功率
finding-signal-condition = 运行条件
finding-shutdown-period = 从 { $start } 起持续 { $duration }
finding-shutdown-period-rows = 在第 { $start }..{ $end } 行
finding-shutdown-once-more = 另有一次
finding-shutdown-more-times = 另有 { $count } 次

## 质量门检查

gate-missing-share = 每列缺失单元格最多占 { $threshold }；{ $column } 缺失 { $share }。
gate-missing-share-none = 没有列含缺失单元格。
gate-status-text = 剩余 { $value } 个状态文本单元格{ $column-count ->
        [0] {""}
       *[other] （{ $columns }）
    }；最多允许 { $threshold } 个。
gate-duplicate-rows = { $value } 个重复行{ $column-count ->
        [0] {""}
       *[other] （{ $columns }）
    }；最多允许 { $threshold } 个。
gate-duplicate-timestamps = { $value } 行重复了时间戳{ $column-count ->
        [0] {""}
       *[other] （{ $columns }）
    }；最多允许 { $threshold } 行。
gate-unsorted-timestamps = 时间倒退 { $value } 处{ $column-count ->
        [0] {""}
       *[other] （{ $columns }）
    }；最多允许 { $threshold } 处。
gate-gaps = 时间轴上有 { $value } 处间隙{ $column-count ->
        [0] {""}
       *[other] （{ $columns }）
    }；最多允许 { $threshold } 处。
gate-flatline-samples = 卡滞段中有 { $value } 个样本{ $column-count ->
        [0] {""}
       *[other] （{ $columns }）
    }；最多允许 { $threshold } 个。
gate-spikes = { $value } 个尖峰样本{ $column-count ->
        [0] {""}
       *[other] （{ $columns }）
    }；最多允许 { $threshold } 个。
gate-out-of-range = { $value } 个不合理的值{ $column-count ->
        [0] {""}
       *[other] （{ $columns }）
    }；最多允许 { $threshold } 个。
gate-unit-jump-samples = { $value } 个样本使用了另一种单位{ $column-count ->
        [0] {""}
       *[other] （{ $columns }）
    }；最多允许 { $threshold } 个。
gate-constant-columns = { $value } 个常量列{ $column-count ->
        [0] {""}
       *[other] （{ $columns }）
    }；最多允许 { $threshold } 个。
gate-high-cardinality-columns = { $value } 个类似标识符的文本列{ $column-count ->
        [0] {""}
       *[other] （{ $columns }）
    }；最多允许 { $threshold } 个。
gate-label-imbalance = { $value } 个未加类别权重的不平衡标签{ $column-count ->
        [0] {""}
       *[other] （{ $columns }）
    }；最多允许 { $threshold } 个。
gate-rows = { $value } 行；至少需要 { $threshold } 行。
