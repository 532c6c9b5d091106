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
