CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.updated_at := now(); -- a ; inside
  RETURN NEW; /* ; */
END
$fn$;
SELECT $$a;b$$, $x$ $$ nested $$ $x$, $1, a$b, $_$x$_$;
