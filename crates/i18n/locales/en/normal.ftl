# The sentences the models of normal operation code (the linear next-step predictor, the
# process language model and their PCA baseline): alarm explanations, input warnings, the
# end of a run, the detectors' names and what an evaluation scored. The engine writes its
# English from these; the UI, the command line and the report word them in the user's language.

## An alarm's explanation: one sentence per tag that surprised the model at the alarm's peak.

alarm-surprise-tag = { $tag }: { $expected }, { $seen }{ $change }
alarm-surprise-expected-range = expected { $low }–{ $high }
alarm-surprise-expected-below = expected below { $high }
alarm-surprise-expected-above = expected above { $low }
alarm-surprise-expected-any = expected a value
alarm-surprise-seen = saw { $value }
alarm-surprise-seen-missing = saw none (missing)
alarm-surprise-rising = , rising for { $length }
alarm-surprise-falling = , falling for { $length }
alarm-surprise-held = , held there unchanged for { $length }
alarm-surprise-samples = { $count } { $count ->
        [one] sample
       *[other] samples
    }

## Warnings about a new export.

input-warning-out-of-training-range-far-from-normal = { $tag }: { $count } { $count ->
        [one] sample lies
       *[other] samples lie
    } more than { $deviations } standard deviations from the normal mean { $mean }; check the sensor and its unit
input-warning-mostly-missing-scored-as-mean = { $tag }: { $count } of { $rows } samples are missing; the model scores them as the normal mean, which hides faults there

## How a run of normal operation ended.

stop-normal-linear-fitted = Linear next-step predictor (recommended) fitted on { $rows } normal { $rows ->
        [one] row
       *[other] rows
    }; alarm threshold { $threshold }
stop-normal-lm-trained = Process language model trained for { $epochs } { $epochs ->
        [one] epoch
       *[other] epochs
    }, best { $best }; validation perplexity { $perplexity }; alarm threshold { $threshold }

## The detectors, by their codes.

detector-linear-predictor = linear next-step predictor
detector-process-lm = process language model
detector-pca-t2 = PCA T²
detector-pca-q = PCA Q
detector-pca-combined = PCA T² or Q (combined, at 1)
detector-choice-linear-predictor = Linear next-step predictor (recommended)
detector-choice-process-lm = Process language model

## What an evaluation scored, when it is not a file.

evaluated-training-data = run { $run } on its training data
