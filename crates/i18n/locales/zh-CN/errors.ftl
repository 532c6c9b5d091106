# PlantLab 的错误信息，简体中文。键与 en/errors.ftl 一一对应，参数相同。未编码的 $detail 是库或操作系统
# 原样写出的文字（英文），照原样显示。

## Errors
error-not-found = 文件 { $path } 不存在。请检查路径，或用“打开…”选择文件。
error-is-directory = { $path } 是文件夹，不是文件。请选择其中的 CSV 文件。
error-permission-denied = PlantLab 无权读取 { $path }：权限被拒绝。请把文件复制到可读取的位置，或修改其权限。
error-empty-file = 文件 { $path } 是空的（0 字节）。请重新导出数据；上次导出可能失败了。
error-not-text = { $path } 不是文本表格：{ $kind }。请导出为 CSV（逗号、分号或制表符分隔）。
error-not-utf8 = { $path } 不是有效的 UTF-8 文本（第一个错误字节在偏移量 { $offset } 处）。请另存为 UTF-8 CSV 后重新打开。
error-no-data-rows = { $path } 只有表头行，没有数据行。请检查导出是否包含数据。
error-parse-error = 无法将 { $path } 解析为 CSV：{ $detail }。请检查分隔符，以及每行的字段数是否相同。
error-parse-error-unreadable = 无法读取 { $path }：{ $detail }。
error-unclosed-quote = { $path }：第 { $line } 行的引号（"），即 `{ $text }`，开启了一个带引号的单元格，但在其后 4 MiB 内或文件结束前都没有闭合引号，文件的其余部分会被读成一个单元格。请删除该引号；若它属于文本，请将其写成两个（""），然后重新打开文件。
error-io-error = 无法读取 { $path }：{ $detail }。
error-no-dataset = 尚未打开数据集。请先打开一个 CSV 文件。
error-unknown-column = 打开的数据集中没有名为“{ $column }”的列。
error-not-numeric = 列“{ $column }”不是数值列，无法绘制成折线。
error-bad-setting = 导入设置不可用：{ $detail }。
error-bad-train-config = 训练设置不可用：{ $detail }。
error-diverged = 训练已停止：{ $detail }
error-run-not-found = 没有训练运行“{ $run }”。它可能已被删除；请刷新运行列表。
error-model-error = 模型出错：{ $detail }。
error-bad-step = 该清洗步骤无法运行：{ $detail }。
error-bad-recipe = { $path }：{ $detail }。请在 PlantLab 中重新保存配方，或修正该文件。
error-recipe-version = { $path } 是格式版本 { $found } 的配方，比本 PlantLab 能读取的版本（最高 { $supported }）更新。请升级 PlantLab 后再使用。
error-clean-history = { $detail }
error-bad-bundle = { $path } 不是可用的模型包：{ $detail }。请从其运行重新导出模型包（评估窗格或 `plantlab bundle`）。
error-bundle-version = { $path } 是格式版本 { $found } 的模型包，比本 PlantLab 能读取的版本（最高 { $supported }）更新。请升级 PlantLab 后再使用。
error-no-evaluation-data = 运行 { $run } 没有保存测试集预测（它被中断、失败，或由较旧的 PlantLab 训练）。请重新训练后再评估。
error-no-fault-samples = { $data }：列“{ $label }”未标记任何故障样本（所有值均为 0 或为空），因此没有可检测的对象。请选择标记故障的列。
error-run-busy = 运行 { $run } 仍在训练中（在本窗口或另一个 PlantLab 窗口或进程中）。请先在那里停止它，或等它结束，再删除。
error-no-predictions = 还没有预测结果。请在“预测”窗格中打开模型包和数据文件，然后点击“预测”。
error-write-error = 无法写入 { $path }：{ $detail }。
error-cancelled = 已取消。
error-internal = 数据引擎内部错误：{ $detail }。请连同引发它的文件一起报告此问题。
error-path-not-chosen = PlantLab 只在此读写通过其文件对话框选择的文件；“{ $path }”不是。请用对话框重新选择该文件。

## Import settings
error-detail-unknown-encoding = 未知编码“{ $name }”；请使用以下之一：{ $choices }
error-detail-column-widths-positive = 列宽必须是正的字符数，每列一个
error-detail-delimiter-unsupported = 不支持分隔符 { $delimiter }；请使用 , ; tab | 或 whitespace
error-detail-decimal-separator = 小数点必须是 . 或 ,，且不能与分隔符相同
error-detail-header-rows = 表头行数必须是 0（无表头）、1（列名）或 2（列名和单位）
error-detail-names-count = 给出了 { $given } 个列名，但文件有 { $columns } 列；请为每列给出一个名称
error-detail-no-such-sheet = 工作簿中没有工作表“{ $sheet }”；它有：{ $sheets }
error-detail-unknown-timestamp-format = 未知时间戳格式“{ $format }”；请使用以下之一：{ $choices }
error-detail-not-timestamps = 列“{ $column }”不含已知格式的时间戳

## Unreadable binary tables
error-detail-parquet-unreadable = 不是可读取的 Parquet 文件（{ $why }）；它可能被截断、已损坏或由不受支持的程序写出：请重新写出，或将数据导出为 CSV
error-detail-workbook-unreadable = 不是可读取的 Excel 工作簿（{ $why }）；请在 Excel 中重新另存为 .xlsx，或将工作表导出为 CSV
error-detail-workbook-no-sheets = 工作簿中没有工作表
error-detail-sheet-unreadable = 无法读取工作表“{ $sheet }”（{ $why }）；请在 Excel 中重新保存工作簿，或将该工作表导出为 CSV
error-detail-sheet-sparse = 工作表“{ $sheet }”跨越 { $rows } 行 × { $columns } 列（{ $cells } 个单元格），却只有 { $values } 个值；请删除远离表格的零散单元格（或把表格复制到新工作表）后重新保存

## Files that are not text
error-detail-binary-zip-archive = 这是 zip 压缩包（如果是 Excel 工作簿，请把扩展名改为 .xlsx）
error-detail-binary-parquet = 这是 Parquet 文件（请把扩展名改为 .parquet）
error-detail-binary-ole-document = 这是旧版 Excel（.xls）或其他 OLE 文档；请另存为 .xlsx 或 CSV
error-detail-binary-pdf = 这是 PDF 文档
error-detail-binary-gzip = 这是 gzip 压缩文件；请先解压
error-detail-binary-executable = 这是程序文件（ELF 可执行文件）
error-detail-binary-nul-bytes = 这是二进制数据（含有 NUL 字节）

## Training settings
error-detail-choose-target = 请选择目标列（要预测的标签）
error-detail-epochs-at-least-one = 至少训练一个轮次
error-detail-batch-at-least-one = 批大小至少为 1
error-detail-learning-rate-positive = 学习率必须是正数
error-detail-widths-at-least-one = 嵌入维度和隐藏单元数至少为 1
error-detail-transformer-heads = Transformer 的宽度（嵌入维度）必须是其 4 个注意力头的倍数
error-detail-patience-at-least-one = 耐心值至少为 1 个轮次（或关闭）
error-detail-setting-range = { $setting }必须在 { $low } 到 { $high } 之间，而不是 { $value }
error-detail-setting-embedding-size = 嵌入维度
error-detail-setting-hidden-units = 隐藏单元数
error-detail-setting-bins-per-tag = 每个位号的分箱数
error-detail-setting-epochs = 轮次数
error-detail-setting-batch-size = 批大小
error-detail-setting-worker-threads = 工作线程数
error-detail-setting-window = 窗口
error-detail-setting-stride = 步长
error-detail-setting-boosting-rounds = 提升轮数
error-detail-setting-leaves-per-tree = 每棵树的叶子数
error-detail-window-features-dense = 窗口特征仅适用于 MLP 和树模型；词元模型通过 --window（序列模式）查看过去
error-detail-interactions-dense = 交互特征仅适用于 MLP 和树模型；词元模型读取分箱后的值
error-detail-split-fractions = 划分比例必须是不小于 0 的数，且训练部分大于 0
error-detail-split-positive = 训练、验证和测试比例都必须为正
error-detail-weight-column-not-numeric = 类别权重列“{ $column }”不是数值列
error-detail-trees-learning-rate = 树模型的学习率必须大于 0 且不超过 1，而不是 { $value }
error-detail-trees-min-samples-leaf = 每个叶子的最少样本数至少为 1
error-detail-trees-l2 = 树模型的 L2 惩罚必须不小于 0，而不是 { $value }
error-detail-trees-patience = 树模型的耐心值至少为 1 轮
error-detail-feature-window-range = 特征窗口必须在 1 到 { $max } 个样本之间，而不是 { $value }
error-detail-no-features = 排除目标列和被排除的列之后，没有剩下任何特征列
error-detail-target-constant = 目标“{ $target }”只有 { $count } 个不同的值；分类器至少需要两个（它是常量吗？）
error-detail-too-many-classes = 目标“{ $target }”有 { $count } 个不同的值；PlantLab 最多分类 { $max } 个类别。请选择一个标签列（故障/无故障、失效模式）
error-detail-bins-at-least-two = 每个位号至少使用 2 个分箱
error-detail-too-many-interaction-tags = 交互特征会将每一对数值位号相乘，而此数据有 { $count } 个数值位号；请最多选择 { $max } 个特征列，或不使用交互特征训练
error-detail-window-stride-at-least-one = 窗口和步长至少为 1
error-detail-too-few-rows = 行数太少：{ $part }部分在共 { $rows } 行中只有 { $count } 个带标签的样本；每部分至少需要 { $min } 个
error-detail-too-few-rows-windowed = 行数太少：{ $part }部分在共 { $rows } 行中只有 { $count } 个带标签的样本；每部分至少需要 { $min } 个（请使用更短的窗口或更多数据）
error-detail-part-training = 训练
error-detail-part-validation = 验证
error-detail-part-test = 测试

## Bundles, normal-operation models and written files
error-detail-bundle-too-large = 文件大小为 { $size } 字节，超过模型包允许的上限 { $max } 字节
error-detail-bundle-empty = 文件为空
error-detail-bundle-not-json = 文件不是完整的 JSON（“{ $why }”）；可能已被截断，或者不是模型包
error-detail-bundle-not-plantlab = 文件不是 PlantLab 模型包（缺少 "format": "{ $format }"）
error-detail-bundle-part-damaged = 有组成部分缺失或已损坏（“{ $why }”）
error-detail-bundle-weights-damaged = 权重已损坏（“{ $why }”）
error-detail-bundle-checksum = 权重与校验和不符（文件已被修改或损坏）
error-detail-bundle-trees-damaged = 树模型已损坏（“{ $why }”）
error-detail-bundle-trees-misfit = 树模型与分词器的特征和类别不匹配
error-detail-bundle-weights-misfit = 权重与网络结构不匹配（“{ $why }”）
error-detail-bundle-class-count = 分词器有 { $tokenizer } 个类别，而网络有 { $network } 个
error-detail-bundle-no-features = 分词器没有任何特征
error-detail-bundle-majority-class = 多数类不在类别之中
error-detail-bundle-threshold = 阈值 { $value } 不在 0 到 1 之间
error-detail-bundle-token-order = 特征“{ $feature }”的词元偏移顺序错乱
error-detail-bundle-token-overflow = 分词器的词元数溢出
error-detail-bundle-vocabulary = 词表大小与特征不符
error-detail-bundle-kind-mismatch = 网络是“{ $network }”模型，而配置中是“{ $config }”
error-detail-bundle-network-size = 网络的“{ $size }”为 { $declared }，而按分词器和配置应为 { $made }
error-detail-window-feature-unknown-tag = 有窗口特征引用了分词器中不存在的位号
error-detail-window-feature-statistics-count = 窗口特征的统计量与其位号数量不符
error-detail-window-feature-statistics-values = 窗口特征的统计量不全是有限的正数
error-detail-interaction-unknown-tag = 交互特征引用了分词器中不存在的位号
error-detail-interaction-statistics-count = 交互特征的统计量与其位号对数量不符
error-detail-interaction-statistics-values = 交互特征的统计量不全是有限的正数
error-detail-alarm-clear-ratio = 报警解除比例必须在 0 到 1 之间（实际为 { $value }）
error-detail-alarm-lookback = 回溯时长必须不小于 0 秒（实际为 { $value }）
error-detail-normal-bundle-not-json = 不是 JSON 文件（“{ $why }”）
error-detail-normal-bundle-not-normal-model = 不是正常运行模型
error-detail-normal-bundle-parts-unreadable = 其组成部分无法读取（“{ $why }”）
error-detail-normal-bundle-tags-differ = 其中各模型的位号不一致
error-detail-normal-bundle-detector-missing = 其检测器为过程语言模型，但文件中没有该模型
error-detail-normal-bundle-part-misfit = 其{ $part }与 { $tags } 个位号不匹配，或含有不可能出现的数值
error-detail-part-tokenizer = 分词器
error-detail-part-pca-model = PCA 模型
error-detail-part-linear-predictor = 线性预测器
error-detail-normal-bundle-no-language-model = 文件中没有过程语言模型（其检测器为线性下一步预测器）
error-detail-normal-bundle-weights-not-base64 = 权重不是有效的 Base64 编码
error-detail-normal-bundle-checksum = 权重与校验和不符（文件已被修改或不完整）
error-detail-normal-target-not-positive = 目标误报率必须是正数（实际为 { $target }）；例如每天 1 次，或每 1000 个样本 10 次
error-detail-normal-per-day-needs-time-axis = 按天设定的误报目标需要按时间顺序排列的时间轴，而此数据没有（没有时间戳列，或时间戳重复、倒退，如夏令时切换时）；请先清洗数据（“清洗”页会整理时间戳顺序），或按每 1000 个样本设定目标
error-detail-normal-target-too-high = 按{ $target }的目标，将有 { $percent }% 的正常样本报警；请选择低于全部样本一半的目标
error-detail-normal-target-per-thousand = 每 1000 个样本 { $target } 次
error-detail-normal-target-per-day = 每天 { $target } 次（每 { $interval } 一个样本）
error-detail-normal-smoothing = 平滑窗口至少为 1 步（1 表示不平滑）
error-detail-normal-lm-window-epochs = 过程语言模型的窗口至少为 1 步，且至少训练 1 轮
error-detail-normal-pca-tags = PCA 至少需要 2 个位号
error-detail-normal-too-few-rows-to-score = “{ $file }”只有 { $rows } 行；模型需要多于 { $history } 行连续数据才能给出一个评分。请导出更长的时段
error-detail-normal-run-no-model = 训练运行“{ $run }”中没有正常运行模型（训练未完成，或训练的是分类器）
error-detail-normal-rate-range = 目标误报率必须在 0 到 0.5 之间（例如 0.01 表示 1%）
error-detail-normal-calibration-steps = 用于校准报警阈值的留出正常步只有 { $count } 个；至少需要 { $min } 个。请标记更长的正常时段
error-detail-normal-no-tags-left = 排除指定列和标签列之后，数据中已没有可建模的数值位号
error-detail-normal-range-not-rows = “{ $from }”到“{ $to }”不是行号，且数据没有时间戳列；请改用行号
error-detail-normal-linear-pairs = { $tags } 个位号的下一步预测器至少需要 { $min } 对相邻的正常行才能拟合，现有 { $pairs } 对。请标记更长的正常时段
error-detail-normal-lm-settings = 窗口、批大小和轮次数都至少为 1
error-detail-normal-lm-rows = { $rows } 行正常数据不足以支撑 { $window } 步的窗口：训练、早停和校准各自都需要多于 { $window } 行的连续正常数据。请标记更长的正常时段，或使用更短的窗口
error-detail-normal-loss-diverged = 第 { $epoch } 轮的损失变为 { $loss }。请降低学习率
error-detail-normal-no-tags = 数据中没有可建模的位号（数值列）
error-detail-normal-missing-tags = 数据缺少模型训练时使用的 { $count } 个位号：{ $tags }。请一并导出这些位号，或训练一个不含它们的模型
error-detail-quoted-name = “{ $name }”
error-detail-normal-tag-too-few-values = 位号“{ $tag }”在正常行中只有 { $count } 个值，至少需要 2 个。请排除该位号，或将更多行标记为正常
error-detail-normal-tag-constant = 位号“{ $tag }”在正常行中恒定不变（始终为 { $value }），正常波动模型无法使用。请排除该位号
error-detail-normal-tag-no-values = 位号“{ $tag }”在正常训练行中没有任何值。请排除该位号
error-detail-normal-no-normal-rows = 没有任何行被标记为正常运行。请选择一个标签值、一个时间范围或全部行，用以表示装置正常运行的时段
error-detail-normal-pca-components = 对 { $tags } 个位号，PCA 的主成分数必须在 1 到 { $max } 之间（需为 Q 统计量留出余量），而不是 { $components }
error-detail-normal-pca-rows = { $components } 个主成分的 PCA 需要多于 { $min } 行正常数据，现有 { $rows } 行
error-detail-normal-pca-confidence = PCA 控制限的置信度必须在 0.5 到 1 之间（例如 0.99）
error-detail-normal-pca-directions = 正常数据中相互独立的变化方向少于 { $components } 个；请减少主成分数
error-detail-bench-batch = 批大小至少为 1，且序列数至少够一个批次（批大小 { $batch }）
error-detail-system-error = 系统提示“{ $why }”
error-detail-write-no-file-name = 路径中没有文件名
error-detail-write-folder-not-flushed = 文件已写入，但无法将其所在文件夹刷新到磁盘（“{ $why }”）
error-detail-write-file-in-use = 系统提示“{ $why }”；可能有其他程序正打开该文件：请在那里关闭它，或换一个文件名，然后重试
error-detail-write-unknown-file-type = 未知的文件类型“.{ $extension }”；请将文件命名为“.parquet”或“.csv”

## Training that stopped
error-detail-loss-diverged = 第 { $epoch } 轮第 { $batch } 批的损失变为 { $loss }。请降低学习率（当前为 { $rate }），或检查特征中是否有极端值。
error-detail-validation-loss-diverged = 第 { $epoch } 轮的验证损失变为 { $loss }。请降低学习率。
error-detail-trees-score-not-number = 树模型的验证分数从未是有效数字；请检查特征中是否有极端值，或降低学习率

## Evaluation, bundles and prediction
error-detail-threshold-range = 阈值必须在 0 到 1 之间（实际为 { $value }）
error-detail-run-folder-incomplete = 运行文件夹 { $folder } 中没有 { $file }；只有本版本 PlantLab 训练的运行才能打包
error-detail-no-labelled-values = { $path } 没有可用于评估的带标签“{ $target }”值；无标签数据请使用 `plantlab predict`
error-detail-rows-below-window = { $path } 清洗后只有 { $rows } 行；模型查看的窗口为 { $window } 行

## The cleaning history
error-detail-no-such-step = 历史中没有第 { $step } 步（共有 { $steps } 步）。
error-detail-nothing-to-undo = 没有可撤销的操作。
error-detail-nothing-to-redo = 没有可重做的操作。

## Cleaning steps (why a step cannot run on this data)
# 步骤的 op（“fill”）与参数名（“interval_s”）是配方 JSON 中的名称，原样加引号显示。
error-detail-step-parameter = 步骤“{ $op }”：{ $parameter }必须{ $allowed }，而不是 { $value }
error-detail-allowed-seconds = 在 { $low } 到 { $high } 秒之间
error-detail-allowed-hours = 在 { $low } 到 { $high } 小时之间
error-detail-allowed-between = 在 { $low } 到 { $high } 之间
error-detail-allowed-at-most = 不超过 { $max }
error-detail-allowed-at-most-long = 不超过 { $max } 项
error-detail-allowed-finite = 是有限数值
error-detail-allowed-at-most-high = 不大于“high”（{ $high }）
error-detail-allowed-at-most-to-ms = 不大于其“to_ms”（{ $to }）
error-detail-allowed-at-most-end = 不大于其“end”（{ $end }）
error-detail-parameter-interval-s = “interval_s”（重采样间隔）
error-detail-parameter-limit = “limit”（最多填充的连续缺失数）
error-detail-parameter-max-gap-s = “max_gap_s”（可填充的最长间隔）
error-detail-parameter-fill-value = “value”（填充值）
error-detail-parameter-k = “k”（阈值倍数）
error-detail-parameter-window = “window”（每侧样本数）
error-detail-parameter-low = “low”（下限）
error-detail-parameter-values = 哨兵值列表“values”
error-detail-parameter-min-run = “min_run”（最短卡滞长度）
error-detail-parameter-scale = “scale”（比例系数）
error-detail-parameter-offset = “offset”（偏移量）
error-detail-parameter-from-ms = 区段的“from_ms”
error-detail-parameter-start = 区段的“start”
error-detail-parameter-pad-s = “pad_s”（前后余量）
error-detail-parameter-horizon-h = “horizon_h”（预警提前时间）
error-detail-value-nan = 非数值
error-detail-value-infinite = 正无穷
error-detail-value-minus-infinite = 负无穷
error-detail-step-bounds-nan = 步骤“{ $op }”：“low”和“high”必须是数值
error-detail-step-condition-nan = 步骤“{ $op }”：条件的“value”必须是数值
error-detail-step-no-columns = 步骤“{ $op }”未指定任何列
error-detail-step-unknown-column = 步骤“{ $op }”指定的列“{ $column }”不在数据中（现有列：{ $columns }）
error-detail-column-name = “{ $name }”
error-detail-more-columns = 另外 { $count } 列
error-detail-step-not-numeric = 步骤“{ $op }”需要数值列，但列“{ $column }”存放的是{ $type }
error-detail-column-type = { $kind ->
        [text] 文本
        [timestamps] 时间戳
        [dates] 日期
        [durations] 时长
        [numbers] 数值
       *[other] “{ $dtype }”类型的值
    }
error-detail-step-needs-timestamps = 步骤“{ $op }”需要时间戳列；请先添加“解析时间戳”步骤
error-detail-column-not-time = 列“{ $column }”不含时间戳（数据处理库的英文原文：“{ $why }”）
error-detail-too-many-rows-to-index = 表格行数超出了 PlantLab 能索引的上限
error-detail-step-no-training-readings = 列“{ $column }”在训练部分（按时间顺序的前 { $percent }% 行）中没有读数，因此“{ $op }”无从拟合
error-detail-step-not-fitted = 步骤“{ $op }”没有“{ $column }”的拟合统计量；请编辑该步骤，使其重新拟合
error-detail-rename-empty = 列不能重命名为空名称
error-detail-column-exists = 已存在名为“{ $column }”的列
error-detail-cast-failed = 列“{ $column }”无法转换为{ $type ->
        [float] 浮点数
        [integer] 整数
        [boolean] 布尔值
       *[text] 文本
    }（数据处理库的英文原文：“{ $why }”）
error-detail-fill-needs-timestamps = 步骤“{ $op }”的填充上限以秒计，需要时间戳列；没有时间戳列时请改用以样本数计的上限
error-detail-fill-gap-seconds = 填充上限必须是不小于 0 的秒数，而不是 { $value }
error-detail-fill-value-unusable = 列“{ $column }”不能用 { $value } 填充
error-detail-resample-interval-too-short = 重采样间隔至少为 1 毫秒，而不是 { $value } 秒
error-detail-resample-no-timestamps = 没有可用于重采样的时间戳
error-detail-resample-too-many-rows = 将 { $rows } 行重采样为 { $interval } 秒间隔会产生 { $buckets } 行；请选择更长的间隔
error-detail-timestamps-numbers-need-epoch = 列“{ $column }”存放的是数字；请使用格式“epoch_s”或“epoch_ms”
error-detail-timestamps-not-epoch = 列“{ $column }”中的数字不像以秒或毫秒计的纪元时间戳
error-detail-timestamps-wrong-type = 列“{ $column }”存放的是{ $type }，而不是文本或数字
error-detail-conversion-unusable = 换算式 y = { $scale }·x + { $offset } 不可用：比例系数必须是非零的有限数
error-detail-segment-rows-outside = 行区间 { $start }..{ $end } 超出了数据范围（共 { $rows } 行）
error-detail-segment-reversed = 区段的结束早于开始
error-detail-weights-one-class = 标签“{ $label }”在训练部分（按时间顺序的前 { $percent }% 行）中只有 { $count } 个类别；类别加权至少需要两个
error-detail-weights-not-fitted = 步骤“{ $op }”没有拟合的类别权重；请编辑该步骤，使其重新拟合
error-detail-weight-column-name = 权重列必须使用新名称，不能是“{ $column }”（标签列或时间轴）
error-detail-label-needs-name = 标签需要一个名称
error-detail-label-name-taken = 已存在名为“{ $column }”的列；请为标签另选一个名称
error-detail-label-horizon = 预警提前时间必须是不小于 0 的小时数，而不是 { $value }
error-detail-label-event-time = “{ $text }”不是形如 2024-03-04 12:00:00 的时间
error-detail-train-fraction = 训练比例必须大于 0 且不超过 1，而不是 { $value }
error-detail-step-failed = 第 { $number } 步（{ $step }）失败：{ $why }
error-detail-bundle-step-failed = 模型包的第 { $number } 个清洗步骤（{ $step }）无法在此文件上运行：{ $why }。请按训练数据导出时的列和设置重新导出该文件，或用不含该步骤的清洗数据训练模型
error-detail-recipe-not-utf8 = 文件不是 UTF-8 文本
error-detail-recipe-not-json = 不是有效的 JSON（JSON 解析器的英文原文：“{ $why }”）
error-detail-recipe-not-object = 文件包含 JSON，但不是配方对象
error-detail-recipe-no-version = 缺少“schema_version”字段，因此这不是 PlantLab 配方
error-detail-recipe-version-not-whole = “schema_version”不是整数
error-detail-recipe-version-zero = 不存在“schema_version”为 0 的版本
error-detail-recipe-format = 它不符合配方格式（JSON 解析器的英文原文：“{ $why }”）
error-detail-recipe-train-fraction = “train_fraction”必须大于 0 且不超过 1，而不是 { $value }
error-detail-recipe-step = 第 { $number } 步：{ $why }
