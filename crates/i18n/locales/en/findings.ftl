# The sentences the engine codes: data-quality findings (`finding-<kind>[-<variant>]`, and the
# phrases they are built from) and quality-gate checks (`gate-<check>[-<variant>]`). The
# engine's English `message` fields are written from this file too.

## Findings

finding-status-text = { $column }: { $count ->
        [one] { $count } cell held a historian status text instead of a reading and was read as missing.
       *[other] { $count } cells held a historian status text instead of a reading and were read as missing.
    }
finding-missing = { $column }: { $count ->
        [one] { $count } cell is
       *[other] { $count } cells are
    } empty ({ $share } of rows).
finding-missing-besides-status-texts = { $column }: { $count ->
        [one] { $count } cell is
       *[other] { $count } cells are
    } empty ({ $share } of rows) besides { $status } status texts.
finding-duplicate-rows = { $count ->
        [one] { $count } row repeats
       *[other] { $count } rows repeat
    } an earlier row exactly, timestamp and all values.
finding-duplicate-rows-without-time = { $count ->
        [one] { $count } row repeats
       *[other] { $count } rows repeat
    } an earlier row exactly.
finding-duplicate-timestamps = { $count ->
        [one] { $count } row repeats
       *[other] { $count } rows repeat
    } an earlier timestamp with different values (a merge, or a repeated local hour).
finding-unsorted-timestamps = The timestamp goes backwards at { $count ->
        [one] { $count } place
       *[other] { $count } places
    }; sort by time before resampling.
finding-gap = { $count ->
        [one] { $count } gap
       *[other] { $count } gaps
    } longer than { $factor }× the sampling interval of { $interval }; the longest lasts { $longest } and ends at { $end }.
finding-flatline = { $column } is stuck in { $runs ->
        [one] { $runs } run
       *[other] { $runs } runs
    } of at least { $min-run } identical samples ({ $samples } samples); the longest is { $longest } samples at { $value } from { $start }.
finding-spike = { $column } has { $count ->
        [one] { $count } isolated spike sample
       *[other] { $count } isolated spike samples
    } more than { $k } robust standard deviations from their neighbours.
finding-out-of-range = { $column } has { $count ->
        [one] { $count } implausible value
       *[other] { $count } implausible values
    }: { $parts }.
finding-unit-jump = { $column }: { $samples } samples from { $from } to { $to } sit at { $level } against { $around } around them, which matches { $conversion }; they were probably logged in another unit.
finding-unit-jump-segments = { $column }: { $samples } samples from { $from } to { $to } sit at { $level } against { $around } around them, which matches { $conversion } ({ $segments } segments, { $total } samples in all); they were probably logged in another unit.
finding-constant = { $column } holds the single value { $value } in all { $rows } non-empty rows.
finding-constant-text = { $column } holds the single value "{ $value }" in all { $rows } non-empty rows.
finding-high-cardinality = { $column } has { $distinct } distinct values in { $rows } rows ({ $share }); it looks like an identifier, not a feature.
finding-label-imbalance = The label { $column } is imbalanced: its rarest class { $class } is { $share } of { $total } labelled rows ({ $classes }); weight the classes (or judge models by recall and precision, not accuracy).
finding-label-imbalance-by-weight = The label { $column } is imbalanced: its rarest class { $class } is { $share } by weight of { $total } labelled rows ({ $classes }); weight the classes (or judge models by recall and precision, not accuracy).
finding-label-imbalance-single-class = The label { $column } has a single class ({ $classes }); a model cannot learn from it.
finding-shutdown = { $subject } { $periods }: the { $machine ->
        [pump] pump
       *[other] machine
    } was stopped ({ $rows } rows; { $tags }). A stopped unit is an operating state, not a stuck sensor: exclude those periods rather than filling them.

## Phrases inside findings

finding-place-row = row { $row }
finding-out-of-range-sentinels = { $count ->
        [one] { $count } historian sentinel value
       *[other] { $count } historian sentinel values
    } ({ $values })
finding-out-of-range-outside = { $count ->
        [one] { $count } value
       *[other] { $count } values
    } outside { $range }
finding-out-of-range-invalid = { $count ->
        [one] { $count } infinite or ≥ 1e30 value
       *[other] { $count } infinite or ≥ 1e30 values
    }
finding-range-configured = configured { $low } … { $high }
finding-range-unit = { $low } … { $high } for { $unit }
finding-range-unit-at-least = ≥ { $low } for { $unit }
finding-range-plausible = the plausible range
finding-shutdown-condition-fails = { $condition } does not hold
finding-condition-missing = { $column } is missing
finding-condition-present = { $column } is present
finding-shutdown-signals-zero = { $signals } { $signal-count ->
        [1] is
        [2] are both
       *[other] are all
    } { $exact ->
        [yes] 0
       *[other] near 0
    }
finding-signal-flow = flow
finding-signal-current = motor current
finding-signal-speed = speed
finding-signal-power = power
finding-signal-condition = the running condition
finding-shutdown-period = from { $start } for { $duration }
finding-shutdown-period-rows = in rows { $start }..{ $end }
finding-shutdown-once-more = once more
finding-shutdown-more-times = { $count } more times
finding-shutdown-story = { $subject } { $periods }: the { $machine ->
        [pump] pump
       *[other] machine
    } was stopped

## Quality-gate checks

gate-missing-share = At most { $threshold } of a column's cells may be missing; { $column } has { $share }.
gate-missing-share-none = No column has missing cells.
gate-status-text = { $value } status-text cells left{ $column-count ->
        [0] {""}
       *[other] {" "}({ $columns })
    }; at most { $threshold } allowed.
gate-duplicate-rows = { $value } duplicate rows{ $column-count ->
        [0] {""}
       *[other] {" "}({ $columns })
    }; at most { $threshold } allowed.
gate-duplicate-timestamps = { $value } rows repeating a timestamp{ $column-count ->
        [0] {""}
       *[other] {" "}({ $columns })
    }; at most { $threshold } allowed.
gate-unsorted-timestamps = { $value } places where time goes backwards{ $column-count ->
        [0] {""}
       *[other] {" "}({ $columns })
    }; at most { $threshold } allowed.
gate-gaps = { $value } gaps in the time axis{ $column-count ->
        [0] {""}
       *[other] {" "}({ $columns })
    }; at most { $threshold } allowed.
gate-flatline-samples = { $value } samples in stuck runs{ $column-count ->
        [0] {""}
       *[other] {" "}({ $columns })
    }; at most { $threshold } allowed.
gate-spikes = { $value } spike samples{ $column-count ->
        [0] {""}
       *[other] {" "}({ $columns })
    }; at most { $threshold } allowed.
gate-out-of-range = { $value } implausible values{ $column-count ->
        [0] {""}
       *[other] {" "}({ $columns })
    }; at most { $threshold } allowed.
gate-unit-jump-samples = { $value } samples in another unit{ $column-count ->
        [0] {""}
       *[other] {" "}({ $columns })
    }; at most { $threshold } allowed.
gate-constant-columns = { $value } constant columns{ $column-count ->
        [0] {""}
       *[other] {" "}({ $columns })
    }; at most { $threshold } allowed.
gate-high-cardinality-columns = { $value } identifier-like text columns{ $column-count ->
        [0] {""}
       *[other] {" "}({ $columns })
    }; at most { $threshold } allowed.
gate-label-imbalance = { $value } imbalanced labels without class weights{ $column-count ->
        [0] {""}
       *[other] {" "}({ $columns })
    }; at most { $threshold } allowed.
gate-rows = { $value } rows; at least { $threshold } needed.

## Suggested steps' reasons: suggest-<op>[-<variant>]. $first and $from are a time, or "none"
## where the data has no time axis.

suggest-sort-by-time = Time goes backwards at { $count ->
        [one] { $count } place
       *[other] { $count } places
    }{ $first ->
        [none] {""}
       *[other] {" "}(first at { $first })
    }; sort by time so that every later step sees the readings in order.
suggest-drop-duplicate-rows = { $count } rows are exact copies of earlier rows{ $first ->
        [none] {""}
       *[other] {" "}(first at { $first })
    } (an export that overlapped itself); drop them.
suggest-resolve-duplicate-timestamps = { $count } rows repeat an earlier timestamp with other values{ $from ->
        [none] {""}
       *[other] {" "}from { $from }
    }: a repeated local hour when summer time ends, or two sources merged; readings that share a timestamp are averaged into one row (the label keeps the first).
suggest-resolve-duplicate-timestamps-first = { $count } rows repeat an earlier timestamp with other values{ $from ->
        [none] {""}
       *[other] {" "}from { $from }
    }: a repeated local hour when summer time ends, or two sources merged; the first reading of each time is kept.
suggest-exclude-periods = { $story }. Its readings then are an operating state, not faults: exclude the rows where { $condition } with { $margin } either side (run-down and start-up), instead of nulling the zeros as a stuck sensor and filling them with running values.
suggest-exclude-periods-no-margin = { $story }. Its readings then are an operating state, not faults: exclude the rows where { $condition }, instead of nulling the zeros as a stuck sensor and filling them with running values.
suggest-resample = { $finding } The historian recorded nothing there (a communication gap). Align to the { $interval } grid: the gap becomes rows of missing values, which a fill bridges only where it is at most { $limit } long.
suggest-resample-label = { $finding } The historian recorded nothing there (a communication gap). Align to the { $interval } grid: the gap becomes rows of missing values, which a fill bridges only where it is at most { $limit } long. { $label } takes the maximum of each interval (a fault anywhere in it), never a mean.
suggest-drop-constant = { $column } holds one value only, so it carries nothing a model can learn from.
suggest-drop-identifier = { $column } is an identifier, different in almost every row, so it carries nothing a model can learn from.
suggest-outliers-hampel = { $column } jumps away from its neighbours and back in { $count ->
        [one] { $count } sample
       *[other] { $count } samples
    }{ $first ->
        [none] {""}
       *[other] {" "}(first at { $first })
    }: single bad readings. They become missing (a Hampel filter a little stricter than the report's check), and a short fill bridges them.
suggest-flatline-to-null = { $column } repeats one reading for { $count } samples{ $from ->
        [none] {""}
       *[other] {" "}from { $from }
    } while the unit runs and its other tags move: a stuck transmitter. Those readings become missing; a run longer than the fill limit stays missing.
suggest-outliers-range = { $column } holds { $count ->
        [one] { $count } implausible value
       *[other] { $count } implausible values
    }{ $first ->
        [none] {""}
       *[other] {" "}(first at { $first })
    } (historian sentinels, or outside the plausible range): not readings. They become missing.
suggest-convert-unit = { $column } was logged in another unit (its level matches a unit conversion); convert it back to the column's unit.
suggest-convert-unit-segment = { $column } was logged in another unit from { $from } for { $duration } (its level matches a unit conversion); convert it back to the column's unit.
suggest-weight-classes = Weight { $column }'s classes so the rare one counts as much as the common one in training (fitted on the training part); its values stay as they are.
suggest-fill = { $count ->
        [one] { $count } cell
       *[other] { $count } cells
    } of { $column } { $source ->
        [status-text] hold a historian status text (no reading)
       *[other] are empty
    }{ $first ->
        [none] {""}
       *[other] {" "}(first at { $first })
    }. { $method ->
        [interpolate] Interpolate in time
       *[other] Carry the last reading forward
    } across gaps of at most { $max-gap } ({ $intervals } sampling intervals): { $fillable ->
        [one] { $fillable } cell
       *[other] { $fillable } cells
    } in { $columns ->
        [one] { $columns } column
       *[other] { $columns } columns
    }{ $left ->
        [0] {""}
       *[other] ; { $left } { $left ->
            [one] cell
           *[other] cells
        } in longer runs stay missing
    }.
suggest-fill-samples = { $count ->
        [one] { $count } cell
       *[other] { $count } cells
    } of { $column } { $source ->
        [status-text] hold a historian status text (no reading)
       *[other] are empty
    }{ $first ->
        [none] {""}
       *[other] {" "}(first at { $first })
    }. { $method ->
        [interpolate] Interpolate in time
       *[other] Carry the last reading forward
    } across runs of at most { $samples } samples: { $fillable ->
        [one] { $fillable } cell
       *[other] { $fillable } cells
    } in { $columns ->
        [one] { $columns } column
       *[other] { $columns } columns
    }{ $left ->
        [0] {""}
       *[other] ; { $left } { $left ->
            [one] cell
           *[other] cells
        } in longer runs stay missing
    }.

## The Predict pane's sentences: an alarm's explanation (`alarm-…`, its parts too) and the
## warnings about inputs the model was not trained for (`input-warning-…`).

alarm-headline = Risk { $risk } at { $when } ({ $samples } { $samples ->
        [one] sample
       *[other] samples
    } above the threshold).
alarm-place-row = row { $row }
alarm-tag-numeric = { $tag }: { $level } { $span }{ $trend }{ $range }.
alarm-level-near = near its training median of { $median }
alarm-level-above = { $difference } above its training median of { $median }
alarm-level-below = { $difference } below its training median of { $median }
alarm-span-duration = over the last { $duration }
alarm-span-sample = at this sample
alarm-span-samples = over the last { $samples } samples
alarm-trend-rising = , rising
alarm-trend-falling = , falling
alarm-trend-steady = , steady
alarm-range-above = ; now { $last } is above anything seen in training (max { $max })
alarm-range-below = ; now { $last } is below anything seen in training (min { $min })
alarm-tag-absent = { $tag }: missing from this file (the model sees it as a gap).
alarm-tag-no-values = { $tag }: no values { $span } (missing data).
alarm-tag-missing-at-alarm = { $tag }: missing at the alarm.
alarm-tag-level = { $tag } is "{ $value }".
alarm-tag-level-rare = { $tag } is "{ $value }", a value rare or unseen in training.
alarm-tag-text = { $tag }: text in this file where training had numbers (the model sees it as a gap).
alarm-combination = No single tag changes the risk much on its own; the combination of tags does.
alarm-open-at-end = The alarm is still on at the end of the data.

input-warning-missing-tag = "{ $tag }" is not in this file (or is text where training had numbers); the model sees it as missing everywhere. Add the tag to the export, or train a model without it.
input-warning-out-of-training-range = { $count } { $count ->
        [one] value
       *[other] values
    } of "{ $tag }" { $count ->
        [one] lies
       *[other] lie
    } outside the training range { $range }; the model puts them in its lowest or highest bin, so its risk there is an extrapolation. Check the unit and the sensor.
input-warning-out-of-training-range-categorical = { $count } { $count ->
        [one] value
       *[other] values
    } of "{ $tag }" { $count ->
        [one] lies
       *[other] lie
    } outside the training range; the model puts them in its lowest or highest bin, so its risk there is an extrapolation. Check the unit and the sensor.
input-warning-unseen-category = { $count } { $count ->
        [one] row
       *[other] rows
    } of "{ $tag }" { $count ->
        [one] holds a value
       *[other] hold values
    } the model did not see (or saw rarely) in training; it treats them as one "other" value.
input-warning-mostly-missing = "{ $tag }" is missing in { $share } of the rows (in training: { $trained }); predictions lean on the other tags.

## Training runs' stop messages: stop-<code>. $unit is "epoch" or "round"; $metric is "pr-auc"
## or "balanced-accuracy".

stop-completed = completed all { $total } { $unit ->
        [round] rounds
       *[other] epochs
    }; kept { $unit ->
        [round] round
       *[other] epoch
    } { $kept }
stop-early-stopping = early stopping after { $unit ->
        [round] round
       *[other] epoch
    } { $stopped }: no better validation { $metric ->
        [pr-auc] PR-AUC
       *[other] balanced accuracy
    } for { $patience } { $unit ->
        [round] rounds
       *[other] epochs
    }; kept { $unit ->
        [round] round
       *[other] epoch
    } { $kept }
stop-cancelled = cancelled by the user
stop-interrupted = interrupted after { $epochs } completed { $epochs ->
        [one] epoch
       *[other] epochs
    }; the checkpoints of those epochs are kept
stop-interrupted-normal = interrupted before its model was saved; train it again
stop-training = training

## What a running task is doing, on its progress line: stage-<code>. $step is a cleaning
## step's own description.

stage-reading-file = reading file
stage-parsing = parsing
stage-reading-and-parsing = reading and parsing
stage-recognising-columns = recognising columns
stage-checking-quality = checking quality
stage-waiting-for-previous-run = waiting for the previous training run to end
stage-tokenizing = tokenizing
stage-epoch = epoch { $epoch }/{ $epochs }
stage-round = round { $round }/{ $rounds }
stage-baseline-round = trees baseline, round { $round }/{ $rounds }
stage-testing-best-epoch = testing the best epoch
stage-training-trees-baseline = training the trees baseline
stage-finding-contributing-tags = finding the contributing tags
stage-opening-bundle = opening the model bundle
stage-replaying-recipe = replaying the cleaning recipe
stage-encoding = encoding
stage-predicting = predicting
stage-explaining-alarms = explaining the alarms
stage-scoring-against-labels = scoring against the labels
stage-fitting-pca = fitting the PCA baseline
stage-fitting-linear-predictor = fitting the linear next-step predictor
stage-saving-model = saving the model
stage-evaluating-against-fault-labels = evaluating against the fault labels
stage-scoring = scoring
stage-reading-export = reading the export
stage-applying-suggestion = { $step }
stage-replaying-step = { $step }
stage-language-model-epoch = epoch { $epoch }: validation loss { $loss }
