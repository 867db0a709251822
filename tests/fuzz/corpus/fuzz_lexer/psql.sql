\set ON_ERROR_STOP on
SELECT 1 \gset
COPY t FROM stdin;
1	a
\.
SELECT :'var', :"ident", :plain;
