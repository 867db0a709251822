SELECT 'í €' ; SELECT 'À¯'; SELECT 'ô€€';
SELECT 'â‚