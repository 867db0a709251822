-- café
SELECT 'naïve';
