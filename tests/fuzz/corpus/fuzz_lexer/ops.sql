SELECT a::int, b->>'k', c @> d, e<->f, g--comment
, h/*c*/+i, j!=k, l<=>m, $1::text, arr[1:2], .5, 1.5e10, 0x1F, 1_000;
SELECT ~-!@#%^&|`?+-*/<>= 1;
