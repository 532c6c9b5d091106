# PlantLab's errors, English. Keys are error-<code>[-<variant>] for an error the engine (or the
# desktop shell) returns with that code, and error-detail-<code> for a coded detail inside one;
# every key is also in zh-CN/errors.ftl with the same arguments. A $detail that is not coded is
# a text as a library or the operating system wrote it (English), shown as it is.

## Errors
error-not-found = The file { $path } does not exist. Check the path, or pick the file with Open….
error-is-directory = { $path } is a folder, not a file. Choose a CSV file inside it.
error-permission-denied = PlantLab may not read { $path }: permission denied. Copy the file somewhere you can read, or fix its permissions.
error-empty-file = The file { $path } is empty (0 bytes). Export the data again; the export may have failed.
error-not-text = { $path } is not a text table: { $kind }. Export it as CSV (comma, semicolon or tab separated).
error-not-utf8 = { $path } is not valid UTF-8 text (first bad byte at offset { $offset }). Save it as UTF-8 CSV and open it again.
error-no-data-rows = { $path } has a header line but no data rows. Check that the export contains data.
error-parse-error = Could not parse { $path } as CSV: { $detail }. Check the delimiter and that every row has the same number of fields.
error-parse-error-unreadable = Could not read { $path }: { $detail }.
error-unclosed-quote = { $path }: the quote (") at line { $line }, `{ $text }`, opens a quoted cell with no closing quote in the next 4 MiB or before the file ends, so the rest of the file would read as one cell. Remove that quote, or double it ("") if it belongs to the text, and open the file again.
error-io-error = Could not read { $path }: { $detail }.
error-no-dataset = No data set is open. Open a CSV file first.
error-unknown-column = There is no column named "{ $column }" in the open data set.
error-not-numeric = Column "{ $column }" is not numeric, so it cannot be plotted as a line.
error-bad-setting = Import setting not usable: { $detail }.
error-bad-train-config = Training settings not usable: { $detail }.
error-diverged = Training stopped: { $detail }
error-run-not-found = There is no training run "{ $run }". It may have been deleted; refresh the runs list.
error-model-error = The model failed: { $detail }.
error-bad-step = This cleaning step cannot run: { $detail }.
error-bad-recipe = { $path }: { $detail }. Save the recipe again from PlantLab, or fix the file.
error-recipe-version = { $path } is a recipe of format version { $found }, newer than this PlantLab reads (up to { $supported }). Update PlantLab to use it.
error-clean-history = { $detail }
error-bad-bundle = { $path } is not a usable model bundle: { $detail }. Export the bundle again from its run (Evaluate pane or `plantlab bundle`).
error-bundle-version = { $path } is a model bundle of format version { $found }, newer than this PlantLab reads (up to { $supported }). Update PlantLab to use it.
error-no-evaluation-data = Run { $run } has no saved test predictions (it was interrupted, failed, or trained by an older PlantLab). Train it again to evaluate it.
error-no-fault-samples = { $data }: the column "{ $label }" marks no fault samples (every value is 0 or empty), so there is nothing to detect. Choose the column that marks faults.
error-run-busy = Run { $run } is still training, in this window or another PlantLab window or process. Stop it there, or wait for it to end, before deleting it.
error-no-predictions = There are no predictions yet. Open a bundle and a data file in the Predict pane and press Predict.
error-write-error = Could not write { $path }: { $detail }.
error-cancelled = Cancelled.
error-internal = Internal error in the data engine: { $detail }. Please report it with the file that caused it.
error-path-not-chosen = PlantLab reads and writes here only files chosen in its file dialog; "{ $path }" was not. Choose the file again with the dialog.

## Import settings
error-detail-unknown-encoding = unknown encoding "{ $name }"; use one of { $choices }
error-detail-column-widths-positive = column widths must be positive numbers of characters, one per column
error-detail-delimiter-unsupported = delimiter { $delimiter } is not supported; use , ; tab | or whitespace
error-detail-decimal-separator = the decimal separator must be . or , and differ from the delimiter
error-detail-header-rows = header rows must be 0 (no header), 1 (names) or 2 (names and units)
error-detail-names-count = { $given } column names were given but the file has { $columns } columns; give one name per column
error-detail-no-such-sheet = the workbook has no sheet "{ $sheet }"; it has { $sheets }
error-detail-unknown-timestamp-format = unknown timestamp format "{ $format }"; use one of { $choices }
error-detail-not-timestamps = column "{ $column }" does not hold timestamps in a known format

## Unreadable binary tables
error-detail-parquet-unreadable = not a readable Parquet file ({ $why }); it may be truncated, damaged or from an unsupported writer: write it again, or export the data as CSV
error-detail-workbook-unreadable = not a readable Excel workbook ({ $why }); save it again from Excel as .xlsx, or export the sheet as CSV
error-detail-workbook-no-sheets = the workbook has no sheets
error-detail-sheet-unreadable = sheet "{ $sheet }" cannot be read ({ $why }); save the workbook again from Excel, or export the sheet as CSV
error-detail-sheet-sparse = sheet "{ $sheet }" spans { $rows } rows × { $columns } columns ({ $cells } cells) but holds only { $values } values; delete the stray cells far from the table (or copy the table to a new sheet) and save again

## Files that are not text
error-detail-binary-zip-archive = it is a zip archive (if it is an Excel workbook, give it the .xlsx extension)
error-detail-binary-parquet = it is a Parquet file (give it the .parquet extension)
error-detail-binary-ole-document = it is an old Excel (.xls) or other OLE document; save it as .xlsx or CSV
error-detail-binary-pdf = it is a PDF document
error-detail-binary-gzip = it is a gzip-compressed file; unpack it first
error-detail-binary-executable = it is a program (ELF executable)
error-detail-binary-nul-bytes = it is binary data (it contains NUL bytes)

## Training settings
error-detail-choose-target = choose a target column (the label to predict)
error-detail-epochs-at-least-one = train for at least one epoch
error-detail-batch-at-least-one = the batch size must be at least 1
error-detail-learning-rate-positive = the learning rate must be a positive number
error-detail-widths-at-least-one = the embedding size and hidden units must be at least 1
error-detail-transformer-heads = the transformer's width (embedding size) must be a multiple of its 4 heads
error-detail-patience-at-least-one = patience must be at least 1 epoch (or off)
error-detail-setting-range = { $setting } must be between { $low } and { $high }, not { $value }
error-detail-setting-embedding-size = the embedding size
error-detail-setting-hidden-units = the hidden units
error-detail-setting-bins-per-tag = the bins per tag
error-detail-setting-epochs = the epochs
error-detail-setting-batch-size = the batch size
error-detail-setting-worker-threads = the worker threads
error-detail-setting-window = the window
error-detail-setting-stride = the stride
error-detail-setting-boosting-rounds = the boosting rounds
error-detail-setting-leaves-per-tree = the leaves per tree
error-detail-window-features-dense = window features are for the MLP and the trees; the token models see the past through --window (sequence mode)
error-detail-interactions-dense = interaction features are for the MLP and the trees; the token models read binned values
error-detail-split-fractions = the split fractions must be numbers of at least 0, with a training part above 0
error-detail-split-positive = train, validation and test fractions must all be positive
error-detail-weight-column-not-numeric = the class-weight column "{ $column }" is not numeric
error-detail-trees-learning-rate = the trees' learning rate must be above 0 and at most 1, not { $value }
error-detail-trees-min-samples-leaf = the fewest samples per leaf must be at least 1
error-detail-trees-l2 = the trees' L2 penalty must be 0 or more, not { $value }
error-detail-trees-patience = the trees' patience must be at least 1 round
error-detail-feature-window-range = the feature window must be between 1 and { $max } samples, not { $value }
error-detail-no-features = no feature columns are left after excluding the target and the excluded columns
error-detail-target-constant = the target "{ $target }" has { $count } distinct value(s); a classifier needs at least two (is it constant?)
error-detail-too-many-classes = the target "{ $target }" has { $count } distinct values; PlantLab classifies up to { $max } classes. Pick a label column (fault / no fault, failure mode)
error-detail-bins-at-least-two = use at least 2 bins per tag
error-detail-too-many-interaction-tags = interaction features multiply every pair of numeric tags, and this data has { $count } of them; choose at most { $max } feature columns, or train without interactions
error-detail-window-stride-at-least-one = window and stride must be at least 1
error-detail-too-few-rows = too few rows: the { $part } part has { $count } labelled sample(s) of { $rows } rows in all; at least { $min } are needed in each part
error-detail-too-few-rows-windowed = too few rows: the { $part } part has { $count } labelled sample(s) of { $rows } rows in all; at least { $min } are needed in each part (use a shorter window or more data)
error-detail-part-training = training
error-detail-part-validation = validation
error-detail-part-test = test

## Bundles, normal-operation models and written files
error-detail-bundle-too-large = it is { $size } bytes, more than the { $max } a model bundle may have
error-detail-bundle-empty = the file is empty
error-detail-bundle-not-json = it is not complete JSON ({ $why }); the file may be truncated or not a bundle
error-detail-bundle-not-plantlab = it is not a PlantLab model bundle (no "format": "{ $format }")
error-detail-bundle-part-damaged = a part is missing or damaged ({ $why })
error-detail-bundle-weights-damaged = the weights are damaged ({ $why })
error-detail-bundle-checksum = the weights do not match their checksum (the file was changed or damaged)
error-detail-bundle-trees-damaged = the trees are damaged ({ $why })
error-detail-bundle-trees-misfit = the trees do not fit the tokenizer's features and classes
error-detail-bundle-weights-misfit = the weights do not fit the network ({ $why })
error-detail-bundle-class-count = the tokenizer has { $tokenizer } classes but the network { $network }
error-detail-bundle-no-features = the tokenizer has no features
error-detail-bundle-majority-class = the majority class is not one of the classes
error-detail-bundle-threshold = the threshold { $value } is not between 0 and 1
error-detail-bundle-token-order = the token offsets of feature "{ $feature }" are out of order
error-detail-bundle-token-overflow = the tokenizer's token counts overflow
error-detail-bundle-vocabulary = the vocabulary size does not match the features
error-detail-bundle-kind-mismatch = the network is a { $network } model but the config says { $config }
error-detail-bundle-network-size = the network's { $size } is { $declared } but its tokenizer and config make { $made }
error-detail-window-feature-unknown-tag = a window feature names a tag the tokenizer does not have
error-detail-window-feature-statistics-count = the window features' statistics do not match their tags
error-detail-window-feature-statistics-values = the window features' statistics are not finite positive numbers
error-detail-interaction-unknown-tag = the interaction features name tags the tokenizer does not have
error-detail-interaction-statistics-count = the interaction features' statistics do not match their pairs
error-detail-interaction-statistics-values = the interaction features' statistics are not finite positive numbers
error-detail-alarm-clear-ratio = the alarm clear ratio must be between 0 and 1 (got { $value })
error-detail-alarm-lookback = the look-back must be 0 or more seconds (got { $value })
error-detail-normal-bundle-not-json = not JSON ({ $why })
error-detail-normal-bundle-not-normal-model = not a normal-operation model
error-detail-normal-bundle-parts-unreadable = its parts do not read ({ $why })
error-detail-normal-bundle-tags-differ = its models name different tags
error-detail-normal-bundle-detector-missing = its detector is the language model, which it does not hold
error-detail-normal-bundle-part-misfit = its { $part } does not fit its { $tags } tags, or holds numbers it cannot have
error-detail-part-tokenizer = tokenizer
error-detail-part-pca-model = PCA model
error-detail-part-linear-predictor = linear predictor
error-detail-normal-bundle-no-language-model = it holds no language model (its detector is the linear next-step predictor)
error-detail-normal-bundle-weights-not-base64 = the weights are not base64
error-detail-normal-bundle-checksum = the weights do not match their checksum (the file was changed or cut short)
error-detail-normal-target-not-positive = the target false-alarm rate must be a positive number (got { $target }); e.g. 1 per day or 10 per 1,000 samples
error-detail-normal-per-day-needs-time-axis = a false-alarm target per day needs a time axis in time order, and this data has none (no timestamp column, or timestamps that repeat or go back, as at a daylight-saving change); clean the data first (the Clean pane orders the timestamps) or give the target per 1,000 samples
error-detail-normal-target-too-high = a target of { $target } lets { $percent } % of normal samples alarm; choose a target under half of all samples
error-detail-normal-target-per-thousand = { $target } per 1,000 samples
error-detail-normal-target-per-day = { $target } per day at one sample every { $interval }
error-detail-normal-smoothing = the smoothing window must be at least 1 step (1 = no smoothing)
error-detail-normal-lm-window-epochs = the language model needs a window of at least 1 step and at least 1 epoch
error-detail-normal-pca-tags = PCA needs at least 2 tags
error-detail-normal-too-few-rows-to-score = { $file } has { $rows } row(s); the model needs more than { $history } consecutive rows to score one. Export a longer period
error-detail-normal-run-no-model = run { $run } holds no model of normal operation (it did not finish, or it trained a classifier)
error-detail-normal-rate-range = the target false-alarm rate must be between 0 and 0.5 (e.g. 0.01 for 1 %)
error-detail-normal-calibration-steps = only { $count } held-out normal step(s) to calibrate the alarm threshold on; at least { $min } are needed. Mark a longer normal period
error-detail-normal-no-tags-left = the data has no numeric tags left to model (after the excluded columns and the label)
error-detail-normal-range-not-rows = "{ $from }" to "{ $to }" are not row numbers and the data has no timestamp column; give row numbers instead
error-detail-normal-linear-pairs = the next-step predictor of { $tags } tags needs at least { $min } pairs of consecutive normal rows to fit; there are { $pairs }. Mark a longer normal period
error-detail-normal-lm-settings = the window, batch size and number of epochs must be at least 1
error-detail-normal-lm-rows = { $rows } normal rows are too few for a window of { $window } steps: training, early stopping and calibration each need runs of more than { $window } consecutive normal rows. Mark a longer normal period or use a shorter window
error-detail-normal-loss-diverged = the loss became { $loss } in epoch { $epoch }. Lower the learning rate
error-detail-normal-no-tags = the data has no tags (numeric columns) to model
error-detail-normal-missing-tags = the data lacks { $count } tag(s) the model was trained on: { $tags }. Export them too, or train a model without them
error-detail-quoted-name = "{ $name }"
error-detail-normal-tag-too-few-values = tag "{ $tag }" has { $count } value(s) in the normal rows; it needs at least 2. Exclude it, or mark more rows as normal
error-detail-normal-tag-constant = tag "{ $tag }" is constant in the normal rows (always { $value }); a model of normal variation cannot use it. Exclude it
error-detail-normal-tag-no-values = tag "{ $tag }" has no values in the normal training rows. Exclude it
error-detail-normal-no-normal-rows = no rows are marked as normal operation. Choose a label value, a time range or all rows that show the plant running normally
error-detail-normal-pca-components = PCA needs between 1 and { $max } components for { $tags } tags (some must be left for the Q statistic); { $components } were asked
error-detail-normal-pca-rows = PCA with { $components } components needs more than { $min } normal rows; there are { $rows }
error-detail-normal-pca-confidence = the confidence of the PCA limits must be between 0.5 and 1 (e.g. 0.99)
error-detail-normal-pca-directions = the normal data has fewer than { $components } independent directions of variation; use fewer components
error-detail-bench-batch = use a batch of at least 1 and at least one batch of sequences ({ $batch })
error-detail-system-error = { $why }
error-detail-write-no-file-name = the path names no file
error-detail-write-folder-not-flushed = the file was written but its folder could not be flushed ({ $why })
error-detail-write-file-in-use = { $why }; another program may have the file open: close it there, or choose another file name, and try again
error-detail-write-unknown-file-type = unknown file type ".{ $extension }"; name the file .parquet or .csv

## Training that stopped
error-detail-loss-diverged = the loss became { $loss } in epoch { $epoch }, batch { $batch }. Lower the learning rate (now { $rate }), or check the features for extreme values.
error-detail-validation-loss-diverged = the validation loss became { $loss } in epoch { $epoch }. Lower the learning rate.
error-detail-trees-score-not-number = the trees' validation score was never a number; check the features for extreme values, or lower the learning rate

## Evaluation, bundles and prediction
error-detail-threshold-range = the threshold must be between 0 and 1 (got { $value })
error-detail-run-folder-incomplete = the run folder { $folder } has no { $file }; only runs trained by this PlantLab version can be bundled
error-detail-no-labelled-values = { $path } has no labelled "{ $target }" values to evaluate against; use `plantlab predict` for unlabelled data
error-detail-rows-below-window = { $path } has { $rows } rows after cleaning; the model looks at windows of { $window } rows

## The cleaning history
error-detail-no-such-step = There is no step { $step } in the history (it has { $steps } steps).
error-detail-nothing-to-undo = There is nothing to undo.
error-detail-nothing-to-redo = There is nothing to redo.

## Cleaning steps (why a step cannot run on this data)
# A step's op ("fill") and its parameters ("interval_s") are the recipe's JSON names, quoted as they are.
error-detail-step-parameter = step "{ $op }": { $parameter } must be { $allowed }, not { $value }
error-detail-allowed-seconds = between { $low } and { $high } seconds
error-detail-allowed-hours = between { $low } and { $high } hours
error-detail-allowed-between = between { $low } and { $high }
error-detail-allowed-at-most = at most { $max }
error-detail-allowed-at-most-long = at most { $max } long
error-detail-allowed-finite = a finite number
error-detail-allowed-at-most-high = at most "high" ({ $high })
error-detail-allowed-at-most-to-ms = at most its "to_ms" ({ $to })
error-detail-allowed-at-most-end = at most its "end" ({ $end })
error-detail-parameter-interval-s = "interval_s" (the resampling interval)
error-detail-parameter-limit = "limit" (missing cells to fill)
error-detail-parameter-max-gap-s = "max_gap_s" (the longest gap to fill)
error-detail-parameter-fill-value = "value" (the fill value)
error-detail-parameter-k = "k" (the threshold factor)
error-detail-parameter-window = "window" (samples either side)
error-detail-parameter-low = "low" (the lower limit)
error-detail-parameter-values = the list of sentinel "values"
error-detail-parameter-min-run = "min_run" (the shortest stuck run)
error-detail-parameter-scale = "scale" (the factor)
error-detail-parameter-offset = "offset"
error-detail-parameter-from-ms = the segment's "from_ms"
error-detail-parameter-start = the segment's "start"
error-detail-parameter-pad-s = "pad_s" (the margin)
error-detail-parameter-horizon-h = "horizon_h" (the warning horizon)
error-detail-value-nan = NaN
error-detail-value-infinite = inf
error-detail-value-minus-infinite = -inf
error-detail-step-bounds-nan = step "{ $op }": "low" and "high" must be numbers, not NaN
error-detail-step-condition-nan = step "{ $op }": the condition's "value" must be a number, not NaN
error-detail-step-no-columns = step "{ $op }" names no columns
error-detail-step-unknown-column = step "{ $op }" names the column "{ $column }", which is not in the data (columns: { $columns })
error-detail-column-name = "{ $name }"
error-detail-more-columns = { $count } more
error-detail-step-not-numeric = step "{ $op }" needs a numeric column, but "{ $column }" holds { $type }
error-detail-column-type = { $kind ->
        [text] text
        [timestamps] timestamps
        [dates] dates
        [durations] durations
        [numbers] numbers
       *[other] values of type "{ $dtype }"
    }
error-detail-step-needs-timestamps = step "{ $op }" needs a timestamp column; add a "parse timestamp" step first
error-detail-column-not-time = the column "{ $column }" does not hold timestamps (the data library's own words: "{ $why }")
error-detail-too-many-rows-to-index = the table has more rows than PlantLab can index
error-detail-step-no-training-readings = "{ $column }" has no readings in the training part (the first { $percent } % of rows in time), so "{ $op }" has nothing to fit on
error-detail-step-not-fitted = step "{ $op }" has no fitted statistics for "{ $column }"; edit the step so it is fitted again
error-detail-rename-empty = a column cannot be renamed to an empty name
error-detail-column-exists = there is already a column named "{ $column }"
error-detail-cast-failed = "{ $column }" cannot be cast to { $type ->
        [float] float
        [integer] integer
        [boolean] boolean
       *[text] text
    } (the data library's own words: "{ $why }")
error-detail-fill-needs-timestamps = step "{ $op }" with a fill limit in seconds needs a timestamp column; use a limit in samples without one
error-detail-fill-gap-seconds = a fill limit must be a number of seconds ≥ 0, not { $value }
error-detail-fill-value-unusable = "{ $column }" cannot be filled with { $value }
error-detail-resample-interval-too-short = the resampling interval must be at least 1 ms, not { $value } s
error-detail-resample-no-timestamps = there are no timestamps to resample
error-detail-resample-too-many-rows = resampling { $rows } rows to { $interval } s would make { $buckets } rows; choose a longer interval
error-detail-timestamps-numbers-need-epoch = "{ $column }" holds numbers; use the format "epoch_s" or "epoch_ms"
error-detail-timestamps-not-epoch = the numbers in "{ $column }" do not look like epoch seconds or milliseconds
error-detail-timestamps-wrong-type = "{ $column }" holds { $type }, not text or numbers
error-detail-conversion-unusable = the conversion y = { $scale }·x + { $offset } is not usable: the factor must be a finite number other than 0
error-detail-segment-rows-outside = rows { $start }..{ $end } are outside the { $rows } rows of the data
error-detail-segment-reversed = the segment ends before it starts
error-detail-weights-one-class = "{ $label }" has { $count } { $count ->
        [one] class
       *[other] classes
    } in the training part (the first { $percent } % of rows in time); weighting needs at least two
error-detail-weights-not-fitted = step "{ $op }" has no fitted class weights; edit the step so it is fitted again
error-detail-weight-column-name = the weight column must be a new name, not "{ $column }" (the label or the time axis)
error-detail-label-needs-name = the label needs a name
error-detail-label-name-taken = there is already a column named "{ $column }"; choose another name for the label
error-detail-label-horizon = the horizon must be zero or more hours, not { $value }
error-detail-label-event-time = "{ $text }" is not a time like 2024-03-04 12:00:00
error-detail-train-fraction = the training fraction must be above 0 and at most 1, not { $value }
error-detail-step-failed = step { $number } ({ $step }) failed: { $why }
error-detail-bundle-step-failed = the bundle's cleaning step { $number } ({ $step }) cannot run on this file: { $why }. Export the file with the columns and settings of the training export, or train the model on data cleaned without that step
error-detail-recipe-not-utf8 = the file is not UTF-8 text
error-detail-recipe-not-json = not valid JSON (the JSON reader's own words: "{ $why }")
error-detail-recipe-not-object = the file holds JSON, but not a recipe object
error-detail-recipe-no-version = there is no "schema_version" field, so this is not a PlantLab recipe
error-detail-recipe-version-not-whole = "schema_version" is not a whole number
error-detail-recipe-version-zero = "schema_version" 0 does not exist
error-detail-recipe-format = it does not match the recipe format (the JSON reader's own words: "{ $why }")
error-detail-recipe-train-fraction = "train_fraction" must be above 0 and at most 1, not { $value }
error-detail-recipe-step = step { $number }: { $why }
