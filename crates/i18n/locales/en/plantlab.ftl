# PlantLab workbench, English. Keys: pane-element, kebab case (see ui/src/i18n.rs).
# Every key here must be in zh-CN/plantlab.ftl too, with the same { $arguments }.

## Application frame: navigation, notices, status bar
app-title = PlantLab
pane-data = Data
pane-clean = Clean
pane-train = Train
pane-evaluate = Evaluate
pane-predict = Predict
app-quit-button = Quit
app-quit-hint = Ctrl+Q
app-open-button = Open…
app-open-hint = Open a CSV file (Ctrl+O), or drop one on the window
app-language-hint = Language of the workbench; numbers, files and recipes stay as they are
app-dismiss-button = Dismiss
app-status-ready = Ready
app-cancel-button = Cancel
app-task-starting = starting
app-task-epoch-batch = epoch { $epoch } batch { $batch }/{ $batches }
app-task-unnamed = A task
notice-saved = { $what } saved to { $path }.
notice-type-path-first = Type a file path first, or use Open….
notice-import-warning = Import: { $warning }
notice-recipe-applied = Recipe applied: { $steps } steps, { $rows-in } rows in, { $rows-out } rows out; quality gate { $gate }.
notice-gate-passed = passed
notice-gate-failed = failed
notice-training-finished = Training: { $message }
notice-normal-training-finished = Normal-operation training: { $message }
notice-task-cancelled = { $label }: cancelled. The data you had is unchanged.
notice-failed = { $context } failed: { $message }
saved-recipe = Recipe
saved-cleaned-data = Cleaned data
saved-model-bundle = Model bundle
saved-predictions = Predictions
saved-report = Report
saved-normal-bundle = Normal-operation bundle
context-cancelling = Cancelling
context-changing-steps = Changing the cleaning steps
context-changing-gate = Changing the gate thresholds
context-comparing-runs = Comparing runs
context-histogram = Computing the histogram
context-deleting-run = Deleting the run
context-evaluating-normal-run = Evaluating the normal-operation run
context-evaluating-run = Evaluating the run
context-exporting-cleaned = Exporting the cleaned data
context-exporting-bundle = Exporting the model bundle
context-exporting-normal-bundle = Exporting the normal-operation bundle
context-exporting-predictions = Exporting the predictions
context-exporting-report = Exporting the report
context-listing-runs = Listing runs
context-loading-file = Loading the file
context-file-dialog = Opening the file dialog
context-opening-bundle = Opening the model bundle
context-opening-normal-bundle = Opening the normal-operation bundle
context-opening-run = Opening the run
context-preparing-plot = Preparing the plot
context-previewing-step = Previewing the step
context-quitting = Quitting
context-reading-rows = Reading rows
context-reading-clean-state = Reading the cleaning state
context-reading-command-line = Reading the command line
context-reading-dataset = Reading the data set
context-reading-quality-report = Reading the quality report
context-receiving-progress = Receiving progress
context-reporting = Reporting
context-saving-recipe = Saving the recipe
context-starting-normal-check = Starting the normal-operation check
context-starting-normal-training = Starting the normal-operation training
context-starting-prediction = Starting the prediction
context-starting-training = Starting training

## Train pane
train-run-title-full = Run { $run } ({ $model }, { $mode }, { $status })
train-run-title-training = Run { $run } (training)
train-run-title = Run { $run } ({ $status })
train-run-title-before-start = Training { $status } before it started
train-config-heading = Run configuration
train-open-data-first = Open a data file first; training uses the open data (after the cleaning steps, if any).
train-target-label = Target
train-model-label = Model
train-sequences-label = Sequences
train-sequences-per-row = one per row
train-sequences-windows = time windows
train-window-stride-label = Window / stride (rows)
train-bins-label = Bins per tag
train-embedding-label = Embedding size
train-batch-size-label = Batch size
train-learning-rate-label = Learning rate
train-epochs-label = Epochs
train-patience-label = Early stopping patience
train-patience-hint = 0 = train every epoch
train-class-weights-label = Class weights
train-split-label = Split train / val / test
train-seed-label = Seed
train-features-hint = Untick identifiers and columns that leak the label (e.g. failure-mode flags).
train-feature-weight-column = { $column } (class weights from the cleaning recipe, never a feature)
train-feature-column = { $column } ({ $kind })
train-kind-numeric = numeric
train-kind-boolean = boolean
train-kind-categorical = categorical
train-gate-fails = The quality gate fails (see Clean).
train-override-gate = Train anyway (the override is recorded with the run)
train-start-button = Start training
train-starting = Starting…
train-cancel-button = Cancel training
train-curves-heading = Training curves
train-curves-empty = Start a run, or open one from the list, to see its loss and accuracy curves.
train-class-share = { $class }: { $share }%
train-class-share-weighted = { $class }: { $share }% (weight { $weight })
train-class-weights-source = ; class weights from the cleaning step's column { $column }
train-data-summary = { $train } train / { $validation } validation / { $test } test samples; { $features } features; vocabulary { $vocabulary }; classes { $classes }{ $source }
train-progress-elapsed = Elapsed { $elapsed }
train-progress-epoch = , epoch { $epoch }/{ $epochs }, batch { $batch }/{ $batches }, ETA { $eta } (if no early stop)
train-progress-speed = , { $speed } samples/s
train-progress-frame = , UI frame p95 { $p95 } ms
train-loss-per-epoch = Loss per epoch
train-accuracy-per-epoch = Accuracy per epoch
train-loss-per-batch = Loss per batch (line: mean of each group of batches; band: its min and max, so spikes stay visible)
plot-axis-epoch = epoch
train-plot-min-max = min-max
train-plot-batch-loss = batch loss
train-runs-heading = Runs
train-refresh-button = Refresh
train-no-runs = No runs yet.
train-compare-button = Compare selected
train-compare-disabled-hint = Tick two or more runs
train-select-for-comparison = Select for comparison
train-run-line = { $model } on "{ $target }", { $epochs } epochs (best { $best }), { $created }
train-run-test-auc = test ROC-AUC { $roc }, PR-AUC { $pr }
train-open-button = Open
train-really-delete-button = Really delete
train-keep-button = Keep
train-delete-button = Delete
metric-not-available = n/a
train-test-summary = Test (best epoch { $best }): accuracy { $accuracy } (majority-class baseline { $baseline }), balanced accuracy { $balanced }, F1 { $f1 }, ROC-AUC { $roc }, PR-AUC { $pr }
train-comparing-heading = Comparing { $count } runs
train-compare-metrics-heading = Test metrics (best epoch, test split)
train-compare-metric = metric
train-compare-mode = mode
metric-accuracy = accuracy
metric-balanced-accuracy = balanced accuracy
metric-precision = precision
metric-recall = recall
metric-f1 = F1
metric-roc-auc = ROC-AUC
metric-pr-auc = PR-AUC
train-compare-majority = majority baseline accuracy
plot-axis-validation-loss = validation loss
train-plot-run-val-loss = { $run } val loss
train-plot-run-train-loss = { $run } train loss
train-compare-differences-heading = Settings that differ
train-compare-no-differences = None: the runs used the same configuration and recipe.
train-compare-setting = setting
plot-series-train = train
plot-series-validation = validation
plot-series-best = best so far
train-problem-no-target = Choose a target column (the label to predict).
train-problem-target-missing = The target "{ $target }" is not a column of the open data.
train-problem-split = The split fractions add up to { $sum }; they must add up to 1.
train-problem-no-validation = Keep a validation part: early stopping and the best epoch need it.
train-problem-no-features = No feature columns are left; tick at least one under Features.
train-problem-heads = The transformer has 4 heads: its embedding size must be a multiple of 4.
train-model-seed = Embedding + mean pool (origin)
train-model-transformer = Small transformer
train-model-mlp = MLP baseline (numeric)
train-weights-auto = auto (rare class < 20%)
train-weights-on = on
train-weights-off = off

## Train pane (2)
train-features-heading = Features ({ $excluded } excluded)

## Evaluate pane
eval-waiting = Evaluating the run's test split…
eval-no-runs = No runs yet: train a model in the Train pane, then evaluate it here.
eval-choose-run = Choose a run to evaluate.
eval-nothing-to-show = No evaluation to show for this run.
eval-empty-explainer = You will see the test metrics next to the majority-class baseline, the confusion matrix, ROC and PR curves, a threshold with a cost-based suggestion, event-level scoring (lead time, false alarms per day) and the tags that drive the risk.
eval-the-test-split = the test split
eval-source-line = { $source }: { $samples } test samples, classes { $classes }{ $positive }
eval-risk-is-probability = ; risk = probability of "{ $class }"
eval-test-metrics = Test metrics
eval-confusion-matrix = Confusion matrix
eval-multiclass-note = Multi-class target: the model predicts the most probable class, so there is no threshold to tune or cost to trade off.
eval-episodes-heading = Fault episodes and alarm events
eval-no-episodes = The test split has no labelled fault episodes, so alarms cannot be scored as events.
eval-timeline-caption = Risk over the test split (line), threshold (yellow), fault-labelled stretches (red)
eval-contributing-tags = Contributing tags
eval-run-to-evaluate = Run to evaluate
eval-no-run-selected = (none)
eval-run-option-normal = { $run }: { $description }
eval-run-option = { $run }: { $model } on "{ $target }", { $status }
eval-refresh-runs = Refresh runs
eval-evaluating = Evaluating…
eval-export-bundle-button = Export model bundle…
eval-export-bundle-hint = Model, recipe, tokenizer and the current threshold in one file, for the Predict pane
eval-export-report-button = Export report…
eval-export-report-hint = This evaluation as an HTML page
eval-decision-threshold = Decision threshold
eval-threshold-slider = Threshold
eval-cost-miss = Cost of a missed failure
eval-cost-false-alarm = Cost of a false alarm
eval-suggest-threshold = Suggest threshold
eval-suggest-threshold-hint = The threshold with the lowest total cost of misses and false alarms on the test split
eval-suggestion = Suggested threshold { $threshold }: total cost { $cost }, { $missed } missed fault samples, { $false-alarms } false-alarm samples (samples, not events)
eval-use-threshold = Use this threshold
eval-live-summary = At threshold { $threshold }: { $caught } of { $faults } fault samples caught ({ $missed } missed), { $false-alarms } false-alarm samples among { $normal } normal samples; precision { $precision }, recall { $recall }, F1 { $f1 }
eval-metric-accuracy = Accuracy
eval-metric-balanced-accuracy = Balanced accuracy
eval-metric-precision = Precision
eval-metric-recall = Recall
eval-column-model = model
eval-column-baseline = majority baseline
eval-no-confusion = No confusion counts in this evaluation.
eval-actual-predicted = actual \ predicted
eval-class-index = class { $index }
eval-roc-curve = ROC curve (area { $area })
plot-axis-false-positive-rate = false positive rate
plot-axis-true-positive-rate = true positive rate
plot-series-chance = chance
plot-series-model = model
eval-pr-curve = Precision-recall curve (area { $area })
plot-axis-recall = recall
plot-axis-precision = precision
plot-series-positive-rate = positive rate { $rate }
eval-samples-count = { $count ->
        [one] { $formatted } sample
       *[other] { $formatted } samples
    }
eval-lead-ahead = { $amount } ahead
eval-lead-at-onset = at the onset
eval-lead-after-onset = { $amount } after the onset
eval-no-lead-time = no lead time
eval-median-lead-time = median lead time { $lead }
eval-false-alarms-per-day = { $rate } false-alarm events per day of normal operation
eval-false-alarms-per-1000 = { $rate } false-alarm events per 1,000 normal samples
eval-events-summary = Detected { $detected } of { $total } fault episodes ({ $missed } missed); { $median }; { $false-alarms ->
        [one] { $false-alarms } false-alarm event
       *[other] { $false-alarms } false-alarm events
    } ({ $rate }).
eval-thin-evidence = Thin evidence: { $data } holds only { $episodes ->
        [one] { $episodes } fault episode
       *[other] { $episodes } fault episodes
    } (fewer than { $minimum }). Detections, lead times and false-alarm events per day on so few may not hold on other data; evaluate on a longer period or more faults.
eval-alarm-settings-text = alarm samples merge into alarm events: an event clears below { $clear } % of the threshold, lasts at least { $duration ->
        [one] { $duration } sampling interval
       *[other] { $duration } sampling intervals
    }, and events at most { $dead-time ->
        [one] { $dead-time } interval
       *[other] { $dead-time } intervals
    } apart merge
eval-alarm-clear-label = Alarm clears below (× threshold)
eval-alarm-clear-hint = Hysteresis: an alarm event starts at the threshold and ends only when the risk falls below this share of it (1 = no hysteresis)
eval-alarm-duration-label = Minimum alarm duration (sampling intervals)
eval-alarm-duration-hint = Shorter alarm events are dropped (an alarm still on at the end of the data is kept)
eval-alarm-dead-time-label = Dead time (sampling intervals)
eval-alarm-dead-time-hint = Alarm events at most this far apart merge into one
eval-alarm-defaults-button = Default alarm settings
eval-place-row = row { $row }
eval-look-back = Look-back
eval-unit-hours = { " " }h
eval-unit-samples = { " " }samples
eval-look-back-hint = How long before a fault an alarm counts as a warning of it
eval-look-back-explainer = before an onset: an alarm in it warns of the episode and is not a false alarm.
eval-episode-column = Episode
eval-start-column = Start
eval-end-column = End
eval-detected-column = Detected
eval-lead-time-column = Lead time
eval-detected = detected
eval-missed = missed
eval-no-contributions = No tag contributions in this evaluation.
eval-contributions-explainer = Mean change of the risk when the tag is blanked out; red pushes towards a fault, blue away from it.
plot-axis-mean-risk-change = mean |risk change|
plot-series-contribution = contribution

## Predict pane
predict-bundle-heading = Model bundle
predict-open-bundle-button = Open bundle…
predict-open-bundle-hint = A model bundle exported from the Evaluate pane (or `plantlab bundle`)
predict-no-bundle = No bundle open: export one from the Evaluate pane, then open it here.
predict-data-heading = Data to predict on
predict-open-data-button = Open data…
predict-open-data-hint = The new export to predict on (CSV, TSV, Parquet, Excel)
predict-no-data = No data file chosen.
predict-override-threshold = Override the bundle's threshold
predict-alarm-threshold = Alarm threshold
predict-override-events = Override the bundle's alarm settings
predict-override-events-hint = How alarm samples (risk at or above the threshold) merge into alarm events
predict-missing-both = Open a model bundle and choose the data file to predict on.
predict-missing-bundle = Open a model bundle first.
predict-missing-data = Choose the data file to predict on (Open data…).
predict-running = Predicting… (progress and Cancel in the status bar)
predict-results-placeholder = Results appear here: the risk over time, the alarms with an explanation each, and warnings about the inputs.
predict-heading = Prediction for { $file }
predict-export-button = Export predictions (CSV)…
predict-export-hint = Time, risk and alarm flag for every sample
predict-result-line = { $rows } rows, { $samples } samples predicted, { $alarm-events ->
        [one] { $alarm-events-text } alarm event
       *[other] { $alarm-events-text } alarm events
    } from { $alarm-samples ->
        [one] { $alarm-samples-text } alarm sample
       *[other] { $alarm-samples-text } alarm samples
    } at threshold { $threshold }, in { $seconds } s (model { $model } from run { $run })
predict-how = How: { $settings }.
predict-training-overlap = Inside the training period: { $samples ->
        [one] { $samples-text } predicted sample lies
       *[other] { $samples-text } predicted samples lie
    } between { $start } and { $end }, the data the model was trained on. Its risk there is not a fair test; predict on data after the training period to judge the model.
predict-timeline-caption = Risk (line), threshold (yellow), alarm events (orange; the selected one darker), fault labels in the file (red)
predict-whole-timeline = Whole timeline
predict-alarm-events-truncated = Alarm events ({ $count }; the first { $listed } are listed, the CSV export has every sample)
predict-alarm-events = Alarm events ({ $count })
predict-no-alarms = No alarms: the risk stayed below the threshold.
predict-no-alarm-events = No alarm events: the alarm samples were too short to make one (see the alarm settings).
predict-why-alarm = Why alarm event { $index } fired
predict-tag-raises = { $tag }: raises the risk by { $amount } on average over the event
predict-tag-lowers = { $tag }: lowers the risk by { $amount } on average over the event
predict-input-warnings = Input warnings ({ $count })
predict-no-input-warnings = None: every input looks like what the model was trained on.
predict-warning-samples = ({ $count } samples)
predict-against-labels = Against the labels in this file
predict-this-file = this file
predict-bundle-model = Model
predict-bundle-model-value = { $model } (run { $run })
predict-bundle-target = Target
predict-bundle-target-value = { $target } ({ $classes })
predict-bundle-features = Features
predict-bundle-features-value = { $count } tags
predict-bundle-recipe = Recipe
predict-bundle-recipe-value = { $count } cleaning steps
predict-bundle-trained = Trained
predict-bundle-test = Test
predict-bundle-test-value = ROC-AUC { $roc }, PR-AUC { $pr }
predict-bundle-threshold = Threshold
predict-bundle-trained-from = Trained from
predict-bundle-trained-until = Trained until
predict-bundle-alarm-settings = The bundle's alarm settings: { $settings }.
predict-one-sample = one sample
predict-alarm-line = Alarm event { $index }: { $start } – { $end } ({ $duration }), peak risk { $peak }; top tags { $tags }

## Step and gate fields (parameter form)
field-action = action
field-aggregate = aggregate
field-at = at
field-column = column
field-columns = columns
field-condition = condition
field-conversion = conversion
field-during-event = during event
field-end = end
field-every-s = every s
field-format = format
field-from = from
field-from-ms = from ms
field-high = high
field-horizon-h = horizon h
field-interval-s = interval s
field-k = k
field-keep = keep
field-label = label
field-limit = limit
field-low = low
field-max-columns = max columns
field-max-gap-s = max gap s
field-method = method
field-min-run = min run
field-name = name
field-offset = offset
field-op = op
field-pad-s = pad s
field-scale = scale
field-segment = segment
field-source = source
field-start = start
field-to = to
field-to-ms = to ms
field-value = value
field-values = values
field-weight-column = weight column
field-window = window
field-max-missing-share = max missing share
field-max-gaps = max gaps
field-max-spikes = max spikes
field-max-flatline-samples = max flatline samples
field-max-constant-columns = max constant columns
field-max-duplicate-rows = max duplicate rows
field-max-duplicate-timestamps = max duplicate timestamps
field-max-unsorted-timestamps = max unsorted timestamps
field-max-out-of-range = max out of range
field-max-status-text-cells = max status text cells
field-max-unit-jump-samples = max unit jump samples
field-max-high-cardinality-columns = max high cardinality columns
field-max-imbalanced-labels = max imbalanced labels
field-min-rows = min rows

## Parameter form and shared widgets
form-fill-forward = Carry the last reading forward
form-fill-interpolate = Interpolate in time
form-fill-forward-within = Carry forward across short gaps
form-fill-interpolate-within = Interpolate across short gaps
form-fill-median = Training median
form-fill-value = A fixed value
form-outliers-iqr = IQR rule
form-outliers-mad = MAD rule (robust spread)
form-outliers-hampel = Hampel filter (spikes)
form-outliers-range = Range and sentinel values
form-action-null = Set to missing
form-action-clip = Clip to the bounds
form-segment-whole = The whole column
form-segment-time = A time span
form-segment-rows = A range of rows
form-cast-float = Number
form-cast-integer = Whole number
form-cast-boolean = True or false
form-cast-text = Text
form-keep-first = The first row
form-keep-last = The last row
form-keep-mean = The mean
form-aggregate-mean = Mean
form-aggregate-last = Last value
form-aggregate-min = Minimum
form-aggregate-max = Maximum
form-op-is-missing = is missing
form-op-not-missing = is not missing
form-source-column = A fault column
form-source-events = Listed event times
form-conversion-linear = Linear: scale and offset
form-none = (none)
form-not-set = not set
form-out-of-range = out of range
form-range = { $unit }, { $min } to { $max }
form-value-none = none
widget-pass = pass
widget-fail = fail
widget-warning-missing-tag = missing_tag
widget-warning-out-of-range = out_of_training_range
widget-warning-unseen-category = unseen_category
widget-warning-mostly-missing = mostly_missing
plot-axis-row = row
plot-series-min-max = { $name } min-max
plot-series-finding = finding
plot-axis-risk = risk
plot-axis-time = time
plot-series-fault-label = fault (label)
plot-series-alarm = alarm
plot-series-risk = risk
plot-series-threshold = threshold { $threshold }
widget-run-prediction = Run prediction

## Parameter form (2)
form-conversion = { $from } to { $to }
