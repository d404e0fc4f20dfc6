-- Supervised risk models and their scores. A model is kept whole in the store (its LightGBM
-- text, calibration, feature list and metrics), so a bundle can carry it and a score can be
-- reproduced; it never changes after training. Scores exist only for declarations lodged at or
-- after the model's training cut-off (everything the model learnt was known before them).

CREATE SEQUENCE model_seq START 1;
CREATE TABLE model (
    model_id BIGINT PRIMARY KEY,
    target VARCHAR NOT NULL,                   -- 'fraud' | 'critical' | 'revenue'
    trained_at TIMESTAMP NOT NULL,
    trained_by VARCHAR NOT NULL,
    reason VARCHAR,
    train_from TIMESTAMP NOT NULL,             -- lodgement window of the training declarations
    calibration_from TIMESTAMP NOT NULL,       -- ... and of the calibration declarations, up to
    cutoff TIMESTAMP NOT NULL,                 -- the cut-off: no row or outcome known at or after it was read
    indicator_build BIGINT,                    -- the indicator build its features came from
    seed INTEGER NOT NULL,
    features JSON NOT NULL,                    -- the feature spec: names, kinds, categories
    params JSON NOT NULL,                      -- LightGBM parameters and rounds
    calibration JSON NOT NULL,                 -- raw score -> probability (isotonic or Platt)
    percentiles JSON NOT NULL,                 -- raw-score cut points over the calibration window
    metrics JSON NOT NULL,                     -- training and calibration figures, excluded fields
    booster VARCHAR NOT NULL,                  -- the LightGBM model as text
    booster_sha256 VARCHAR NOT NULL
);

-- One row per model and declaration scored: the calibrated score, its percentile against the
-- calibration window and the top reasons (feature contributions) in words.
CREATE TABLE model_score (
    model_id BIGINT NOT NULL,
    declaration_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,                  -- the declaration version as first lodged
    lodged_at TIMESTAMP NOT NULL,
    score DOUBLE NOT NULL,
    raw DOUBLE NOT NULL,
    percentile DOUBLE NOT NULL,
    reasons VARCHAR,
    scored_at TIMESTAMP NOT NULL
);
