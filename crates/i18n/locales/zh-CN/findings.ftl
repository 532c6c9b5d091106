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
finding-shutdown-once-more = 另外一次
finding-shutdown-more-times = 另外 { $count } 次
finding-shutdown-story = { $subject }：{ $periods }，{ $machine ->
        [pump] 泵
       *[other] 设备
    }处于停机状态

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

## 建议步骤的理由：suggest-<op>[-<variant>]。$first 和 $from 是时间，没有时间轴时为 "none"。

suggest-sort-by-time = 时间在 { $count } 处倒退{ $first ->
        [none] {""}
       *[other] （首次在 { $first }）
    }；请按时间排序，使之后的每一步都按顺序看到读数。
suggest-drop-duplicate-rows = { $count } 行与之前的行完全相同{ $first ->
        [none] {""}
       *[other] （首次在 { $first }）
    }（导出时发生了重叠）；请删除它们。
suggest-resolve-duplicate-timestamps = { $count } 行重复了之前的时间戳但数值不同{ $from ->
        [none] {""}
       *[other] （从 { $from } 起）
    }：夏令时结束时重复的本地小时，或两个数据源的合并；同一时间戳的读数平均为一行（标签保留第一个）。
suggest-resolve-duplicate-timestamps-first = { $count } 行重复了之前的时间戳但数值不同{ $from ->
        [none] {""}
       *[other] （从 { $from } 起）
    }：夏令时结束时重复的本地小时，或两个数据源的合并；每个时间保留第一个读数。
suggest-exclude-periods = { $story }。这些时段的读数是运行状态，而不是故障：排除 { $condition } 的行，前后各留 { $margin } 的余量（停机过程和启动过程），而不是把这些零值当作传感器卡滞置为缺失、再用运行时的值填补。
suggest-exclude-periods-no-margin = { $story }。这些时段的读数是运行状态，而不是故障：排除 { $condition } 的行，而不是把这些零值当作传感器卡滞置为缺失、再用运行时的值填补。
suggest-resample = { $finding }历史库在那段时间没有记录（通讯中断）。对齐到 { $interval } 的网格：间隙变成缺失值的行，填补只在不超过 { $limit } 的地方桥接。
suggest-resample-label = { $finding }历史库在那段时间没有记录（通讯中断）。对齐到 { $interval } 的网格：间隙变成缺失值的行，填补只在不超过 { $limit } 的地方桥接。{ $label } 取每个区间的最大值（区间内任何时刻有故障），绝不取平均值。
suggest-drop-constant = { $column } 只有一个值，模型无法从中学到任何东西。
suggest-drop-identifier = { $column } 是标识符，几乎每行都不同，模型无法从中学到任何东西。
suggest-outliers-hampel = { $column } 有 { $count } 个样本偏离邻近值后又返回{ $first ->
        [none] {""}
       *[other] （首次在 { $first }）
    }：单个的坏读数。它们将置为缺失（Hampel 滤波器，比报告的检查稍严格），再由短距离填补桥接。
suggest-flatline-to-null = { $column } 连续 { $count } 个样本重复同一读数{ $from ->
        [none] {""}
       *[other] （从 { $from } 起）
    }，而设备在运行、其他位号在变化：变送器卡滞。这些读数将置为缺失；长于填补上限的段仍为空。
suggest-outliers-range = { $column } 有 { $count } 个不合理的值{ $first ->
        [none] {""}
       *[other] （首次在 { $first }）
    }（历史库哨兵值，或超出合理范围）：不是读数。它们将置为缺失。
suggest-convert-unit = { $column } 以另一种单位记录（其水平与某个单位换算相符）；请换算回该列的单位。
suggest-convert-unit-segment = { $column } 从 { $from } 起的 { $duration } 内以另一种单位记录（其水平与某个单位换算相符）；请换算回该列的单位。
suggest-weight-classes = 为 { $column } 的各类别加权，使稀有类别在训练中与常见类别同等重要（在训练部分上拟合）；其值保持不变。
suggest-fill = { $column } 有 { $count } 个单元格{ $source ->
        [status-text] 是历史库状态文本（没有读数）
       *[other] 为空
    }{ $first ->
        [none] {""}
       *[other] （首次在 { $first }）
    }。{ $method ->
        [interpolate] 按时间插值
       *[other] 沿用上一个读数
    }，跨越不超过 { $max-gap } 的间隙（{ $intervals } 个采样间隔）：可填补 { $columns } 列中的 { $fillable } 个单元格{ $left ->
        [0] {""}
       *[other] ；更长缺失段中的 { $left } 个单元格仍为空
    }。
suggest-fill-samples = { $column } 有 { $count } 个单元格{ $source ->
        [status-text] 是历史库状态文本（没有读数）
       *[other] 为空
    }{ $first ->
        [none] {""}
       *[other] （首次在 { $first }）
    }。{ $method ->
        [interpolate] 按时间插值
       *[other] 沿用上一个读数
    }，跨越不超过 { $samples } 个样本的缺失段：可填补 { $columns } 列中的 { $fillable } 个单元格{ $left ->
        [0] {""}
       *[other] ；更长缺失段中的 { $left } 个单元格仍为空
    }。

## 预测页的句子：报警的解释（`alarm-…`，包括其组成部分）和关于模型训练时未见过的输入的警告（`input-warning-…`）。

alarm-headline = 风险 { $risk }，出现在 { $when }（{ $samples } 个样本高于阈值）。
alarm-place-row = 第 { $row } 行
alarm-tag-numeric = { $tag }：{ $span }{ $level }{ $trend }{ $range }。
alarm-level-near = 接近训练中位数 { $median }
alarm-level-above = 比训练中位数 { $median } 高 { $difference }
alarm-level-below = 比训练中位数 { $median } 低 { $difference }
alarm-span-duration = 最近 { $duration } 内
alarm-span-sample = 在此样本处
alarm-span-samples = 最近 { $samples } 个样本内
alarm-trend-rising = ，呈上升趋势
alarm-trend-falling = ，呈下降趋势
alarm-trend-steady = ，保持平稳
alarm-range-above = ；当前值 { $last } 高于训练中出现过的所有值（最大 { $max }）
alarm-range-below = ；当前值 { $last } 低于训练中出现过的所有值（最小 { $min }）
alarm-tag-absent = { $tag }：此文件中没有该位号（模型将其视为缺失）。
alarm-tag-no-values = { $tag }：{ $span }没有数值（数据缺失）。
alarm-tag-missing-at-alarm = { $tag }：报警时缺失。
alarm-tag-level = { $tag } 为“{ $value }”。
alarm-tag-level-rare = { $tag } 为“{ $value }”，该值在训练中罕见或未出现过。
alarm-tag-text = { $tag }：此文件中该位号为文本，而训练时为数值（模型将其视为缺失）。
alarm-combination = 没有哪个位号单独对风险有明显影响；是多个位号的组合起了作用。
alarm-open-at-end = 数据结束时报警仍在持续。

input-warning-missing-tag = 此文件中没有“{ $tag }”（或训练时为数值、此处却是文本）；模型将其视为处处缺失。请在导出中加入该位号，或训练一个不含它的模型。
input-warning-out-of-training-range = “{ $tag }”有 { $count } 个值超出训练范围 { $range }；模型把它们归入最低或最高的分箱，因此这些位置的风险是外推结果。请检查单位和传感器。
input-warning-out-of-training-range-categorical = “{ $tag }”有 { $count } 个值超出训练范围；模型把它们归入最低或最高的分箱，因此这些位置的风险是外推结果。请检查单位和传感器。
input-warning-unseen-category = “{ $tag }”有 { $count } 行的取值在训练中未出现过（或很少出现）；模型将它们视为同一个“其他”值。
input-warning-mostly-missing = “{ $tag }”在 { $share } 的行中缺失（训练时：{ $trained }）；预测主要依赖其他位号。

## 训练运行的停止信息：stop-<code>。$unit 为 "epoch" 或 "round"；$metric 为 "pr-auc" 或 "balanced-accuracy"。

stop-completed = 已完成全部 { $total } { $unit ->
        [round] 个提升轮次
       *[other] 轮
    }；保留第 { $kept } { $unit ->
        [round] 个提升轮次
       *[other] 轮
    }
stop-early-stopping = 第 { $stopped } { $unit ->
        [round] 个提升轮次
       *[other] 轮
    }后早停：验证集 { $metric ->
        [pr-auc] PR-AUC
       *[other] 平衡准确率
    } 已连续 { $patience } { $unit ->
        [round] 个提升轮次
       *[other] 轮
    }没有提升；保留第 { $kept } { $unit ->
        [round] 个提升轮次
       *[other] 轮
    }
stop-cancelled = 已被用户取消
stop-interrupted = 完成 { $epochs } 轮后中断；这些轮次的检查点已保留
stop-interrupted-normal = 模型保存前中断；请重新训练
stop-training = 正在训练

## 正在运行的任务在进度行上说明它在做什么：stage-<code>。$step 是清洗步骤自己的描述。

stage-reading-file = 读取文件
stage-parsing = 解析
stage-reading-and-parsing = 读取并解析
stage-recognising-columns = 识别列
stage-checking-quality = 检查数据质量
stage-waiting-for-previous-run = 等待上一次训练结束
stage-tokenizing = 分词编码
stage-epoch = 第 { $epoch }/{ $epochs } 轮
stage-round = 第 { $round }/{ $rounds } 个提升轮次
stage-baseline-round = 树模型基线，第 { $round }/{ $rounds } 个提升轮次
stage-testing-best-epoch = 测试最佳一轮
stage-training-trees-baseline = 训练树模型基线
stage-finding-contributing-tags = 查找起作用的位号
stage-opening-bundle = 打开模型包
stage-replaying-recipe = 重放清洗配方
stage-encoding = 编码
stage-predicting = 预测
stage-explaining-alarms = 解释报警
stage-scoring-against-labels = 按标签评分
stage-fitting-pca = 拟合 PCA 基线
stage-fitting-linear-predictor = 拟合线性下一步预测器
stage-saving-model = 保存模型
stage-evaluating-against-fault-labels = 按故障标签评估
stage-scoring = 评分
stage-reading-export = 读取导出文件
stage-applying-suggestion = 应用建议步骤：{ $step }
stage-replaying-step = 重放步骤：{ $step }
stage-language-model-epoch = 第 { $epoch } 轮：验证损失 { $loss }
