SELECT E'a\';' ;
SELECT $$ ; $$;
;;
\i other.sql
SELECT 1