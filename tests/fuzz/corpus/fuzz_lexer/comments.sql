-- pgmigrate:no-transaction
/* outer /* nested ; */ still comment ; */
SELECT 1; -- trailing ; comment
SELECT 2 /* inline */ + 3;;
;
/* unterminated /* nested */
