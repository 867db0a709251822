SELECT 'it''s', E'a\'b\\', e'\x41;', U&'d\0061t\+000061' UESCAPE '!', B'1010', X'1F', N'nat';
SELECT "quoted ""ident"";", U&"d!0061t" UESCAPE '!';
SELECT 'multi
line;string', 'abc' 'def';
SELECT 'unterminated;
