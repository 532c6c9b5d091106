# 正常运行模型（线性下一步预测器、过程语言模型及其 PCA 基线）编码的句子：报警解释、输入警告、
# 运行结束说明、检测器名称以及评估的对象。

## 报警解释：在报警峰值处令模型意外的每个位号一句。

alarm-surprise-tag = { $tag }：{ $expected }，{ $seen }{ $change }
alarm-surprise-expected-range = 预期 { $low }–{ $high }
alarm-surprise-expected-below = 预期低于 { $high }
alarm-surprise-expected-above = 预期高于 { $low }
alarm-surprise-expected-any = 预期应有数值
alarm-surprise-seen = 实际为 { $value }
alarm-surprise-seen-missing = 实际无数值（缺失）
alarm-surprise-rising = ，已持续上升 { $length }
alarm-surprise-falling = ，已持续下降 { $length }
alarm-surprise-held = ，已保持不变 { $length }
alarm-surprise-samples = { $count } 个样本

## 关于新导出数据的警告。

input-warning-out-of-training-range-far-from-normal = { $tag }：{ $count } 个样本偏离正常均值 { $mean } 超过 { $deviations } 个标准差；请检查传感器及其单位
input-warning-mostly-missing-scored-as-mean = { $tag }：{ $rows } 个样本中有 { $count } 个缺失；模型按正常均值为其打分，会掩盖这些位置的故障

## 正常运行模型的运行如何结束。

stop-normal-linear-fitted = 线性下一步预测器（推荐）已在 { $rows } 行正常数据上拟合；报警阈值 { $threshold }
stop-normal-lm-trained = 过程语言模型已训练 { $epochs } 轮，最佳为第 { $best } 轮；验证困惑度 { $perplexity }；报警阈值 { $threshold }

## 各检测器（按代码）。

detector-linear-predictor = 线性下一步预测器
detector-process-lm = 过程语言模型
detector-pca-t2 = PCA T²
detector-pca-q = PCA Q
detector-pca-combined = PCA T² 或 Q（合并指标，阈值 1）
detector-choice-linear-predictor = 线性下一步预测器（推荐）
detector-choice-process-lm = 过程语言模型

## 评估的对象（不是文件时）。

evaluated-training-data = 运行 { $run } 的训练数据
