SELECT 'café € 😀';
SELECT 2;SELECT 3;
