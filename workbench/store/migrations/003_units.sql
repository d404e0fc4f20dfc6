-- Quantity units the ingest can convert, with their factor to the canonical unit of the dimension.
INSERT INTO quantity_unit VALUES
    ('kg', 'mass', 1.0), ('g', 'mass', 0.001), ('t', 'mass', 1000.0), ('lb', 'mass', 0.45359237),
    ('oz', 'mass', 0.028349523125), ('u', 'count', 1.0), ('pcs', 'count', 1.0), ('pr', 'count', 2.0),
    ('dozen', 'count', 12.0), ('l', 'volume', 1.0), ('ml', 'volume', 0.001), ('m3', 'volume', 1000.0);
