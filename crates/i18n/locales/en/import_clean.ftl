# What the import reports (`import-<code>`), a task's name as it starts (`task-<code>`), a
# cleaning step in words (`step-<op>[-<variant>]` and the parts they are built from) and a
# quality-gate check's name in the grid (`gate-title-<check>`). The engine's English import
# warnings and task labels are written from this file too, and the English step descriptions
# match the recipe's own (`CleanStep::describe`).

## Import warnings

import-truncated-character = The file ends in the middle of a character (byte { $byte }); the last line may be incomplete.
import-read-as-legacy = The file is not valid UTF-8; read it as { $encoding } (the encoding it looks most like).
import-utf16-replaced = Some characters could not be decoded as UTF-16 and were replaced by �.
import-invalid-bytes = Some bytes are not valid { $encoding } and were replaced by �; if names or units look garbled, set the text encoding in the import settings (--encoding on the command line) to one of { $encodings }.
import-low-confidence = The text encoding was guessed as { $encoding } but with low confidence ({ $percent } %); if names or units look garbled, set the text encoding in the import settings (--encoding on the command line) to one of { $encodings }.
import-duplicate-name = Column name "{ $name }" appears more than once; the copy is called "{ $renamed }".
import-surplus-names = The header names { $names } columns but no row holds more than { $widest } values, so the last { $empty } columns ({ $first } …) are empty. If the names belong to another file, give { $widest } column names for the values.
import-one-column = Every row was read into one column, but the lines hold about { $numbers } numbers each, separated by { $between ->
        [tabs] tabs
        [semicolons] semicolons
        [bars] bars
       *[spaces] spaces
    }. Set the delimiter to the one between the numbers ("whitespace" for runs of spaces or tabs), and the header rows to 0 if the first line is data.
import-narrowed-numbers = Column "{ $column }": { $count } number(s) typed in full-width characters (e.g. "{ $wide }") were read as ASCII numbers ("{ $ascii }").
import-unread-wide-numbers = Column "{ $column }" holds numbers in full-width characters that could not be read as numbers (e.g. "{ $example }"), so it stays text. Retype them with ASCII digits (0-9, a point for decimals, no comma inside a number) and import again.
import-transposed = The file has { $rows } rows and { $columns } columns of numbers and no header: PlantLab reads each column as one tag and each row as one sample, so if each row holds one variable over time, transpose the file (one column per tag) before importing it.
import-lone-quotes = Data row { $row } of "{ $column }" holds a quote (") inside its text: { $text }{ $others ->
        [0] {""}
        [1] {" "}and 1 other cell
       *[other] {" "}and { $others } other cells
    }. Quotes that do not open a cell were read as part of the text.
import-unlisted-status-texts = Column "{ $column }" is numeric but holds the text(s) { $texts }; they were read as missing values. Add them to the status texts if that is what they are.
import-dst-repeat = Local times repeat at row { $row } (clock went back about an hour at { $time }): a daylight-saving fall-back. Times are kept as written; sort or resolve duplicates when cleaning.
import-windows-1252-parts = Parts of the file are not valid UTF-8; those parts were read as Windows-1252.
import-legacy-parts = Parts of the file further down are not UTF-8 but read cleanly as { $encoding }, so they were read as { $encoding }. If text there looks wrong, open the file again with its encoding chosen in the import settings.

## Task labels

task-loading = Loading { $file }
task-training = Training { $model } on "{ $target }"
task-applying-recipe = Applying recipe { $file }
task-applying-suggestions = Applying suggested steps
task-cleaning = Cleaning
task-predicting = Predicting on "{ $file }"
task-training-normal = Training a model of normal operation ({ $detector ->
        [process-lm] { detector-process-lm }
       *[linear-predictor] { detector-linear-predictor }
    })
task-evaluating-normal = Evaluating run { $run } against "{ $label }"
task-checking-normal = Checking "{ $file }" against normal operation

## Cleaning steps

step-columns-none = no columns
step-columns-more = { $first }, { $second } and { $more } more
step-select = Keep only { $columns }
step-drop = Drop { $columns }
step-rename = Rename { $from } to { $to }
step-cast = Cast { $column } to { $type ->
        [float] float
        [integer] integer
        [boolean] boolean
       *[text] text
    }
step-parse-timestamp = Parse { $column } as timestamps ({ $format })
step-parse-timestamp-sniffed = Parse { $column } as timestamps (format sniffed)
step-sort-by-time = Sort rows by time
step-drop-duplicate-rows = Drop rows that repeat an earlier row
step-resolve-duplicate-timestamps-first = One row per timestamp (keep the first)
step-resolve-duplicate-timestamps-last = One row per timestamp (keep the last)
step-resolve-duplicate-timestamps-mean = One row per timestamp (average)
step-resample = Resample to { $interval } s ({ $aggregate ->
        [last] last
        [min] min
        [max] max
       *[mean] mean
    })
step-resample-maxima = Resample to { $interval } s ({ $aggregate ->
        [last] last
        [min] min
        [max] max
       *[mean] mean
    }; max of { $maxima })
step-fill-forward = Forward-fill { $columns }
step-fill-forward-limit = Forward-fill { $columns } (≤ { $limit } samples)
step-fill-interpolate = Interpolate missing values in { $columns }
step-fill-interpolate-limit = Interpolate missing values in { $columns } (≤ { $limit } samples)
step-fill-forward-within = Forward-fill { $columns } (gaps ≤ { $gap })
step-fill-interpolate-within = Interpolate missing values in { $columns } (gaps ≤ { $gap })
step-fill-median = Fill { $columns } with the training median
step-fill-value = Fill { $columns } with { $value }
step-outliers-null = { $columns } { $how } to missing
step-outliers-clip = { $columns } { $how } clipped
step-how-iqr = outside { $k }×IQR
step-how-mad = more than { $k } robust σ from the median
step-how-hampel = spikes (Hampel, ±{ $window } samples, { $k } σ)
step-how-range = values { $bounds }
step-bounds-or = {" "}or{" "}
step-flatline-to-null = Stuck runs of ≥ { $min-run } samples in { $columns } to missing
step-convert-unit = Convert { $column }: { $conversion }
step-convert-unit-time = Convert { $column }: { $conversion } from { $from } to { $to }
step-convert-unit-rows = Convert { $column }: { $conversion } on rows { $start }..{ $end }
step-exclude-periods = Exclude rows where { $condition }
step-exclude-periods-padded = Exclude rows where { $condition } (± { $pad } s)
step-filter-rows = Keep rows where { $condition }
step-condition = { $column } { $op } { $value }
step-condition-missing = { $column } is missing
step-condition-present = { $column } is present
step-derive-label-column = Label { $name }: event within { $horizon } h (events in { $column })
step-derive-label-events = Label { $name }: event within { $horizon } h ({ $count } listed events)
step-weight-classes = Weight the classes of { $label } (balanced) into { $column }

## The quality gate's checks by name

gate-title-rows = Rows
gate-title-missing-share = Missing share
gate-title-status-text = Status texts
gate-title-duplicate-rows = Duplicate rows
gate-title-duplicate-timestamps = Duplicate timestamps
gate-title-unsorted-timestamps = Unsorted timestamps
gate-title-gaps = Gaps
gate-title-flatline-samples = Stuck samples
gate-title-spikes = Spikes
gate-title-out-of-range = Out of range
gate-title-unit-jump-samples = Unit jump samples
gate-title-constant-columns = Constant columns
gate-title-high-cardinality-columns = High-cardinality columns
gate-title-label-imbalance = Label imbalance

## Data-quality findings by kind (badges and lists)

finding-kind-missing = missing
finding-kind-status-text = status texts
finding-kind-duplicate-rows = duplicate rows
finding-kind-duplicate-timestamps = duplicate timestamps
finding-kind-unsorted-timestamps = unsorted timestamps
finding-kind-gap = gap
finding-kind-flatline = stuck
finding-kind-spike = spike
finding-kind-out-of-range = out of range
finding-kind-unit-jump = unit jump
finding-kind-constant = constant
finding-kind-high-cardinality = high cardinality
finding-kind-label-imbalance = label imbalance
finding-kind-shutdown = shutdown

## What an evaluation scored

evaluated-test-split = test split of run { $run }
