/*
 * The libpq function table. The engine reaches libpq only through this
 * table, filled once at start: from the linked library on POSIX systems,
 * from libpq.dll found at run time on Windows (src/engine/os/). Nothing
 * outside the os layer needs to know which.
 */
#ifndef PGM_PQ_H
#define PGM_PQ_H

#include <libpq-fe.h>

typedef struct pgm_pq_api {
	PGconn *(*connectdbParams)(const char *const *keywords, const char *const *values, int expand_dbname);
	void (*finish)(PGconn *conn);
	ConnStatusType (*status)(const PGconn *conn);
	char *(*errorMessage)(const PGconn *conn);
	PGresult *(*exec)(PGconn *conn, const char *query);
	PGresult *(*execParams)(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
		const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat);
	int (*sendQuery)(PGconn *conn, const char *query);
	PGresult *(*getResult)(PGconn *conn);
	ExecStatusType (*resultStatus)(const PGresult *res);
	char *(*resultErrorField)(const PGresult *res, int fieldcode);
	char *(*resultErrorMessage)(const PGresult *res);
	int (*ntuples)(const PGresult *res);
	int (*nfields)(const PGresult *res);
	char *(*fname)(const PGresult *res, int field_num);
	char *(*getvalue)(const PGresult *res, int tup_num, int field_num);
	int (*getisnull)(const PGresult *res, int tup_num, int field_num);
	void (*clear)(PGresult *res);
	void (*freemem)(void *ptr);
	char *(*escapeIdentifier)(PGconn *conn, const char *str, size_t len);
	PGTransactionStatusType (*transactionStatus)(const PGconn *conn);
	PGcancel *(*getCancel)(PGconn *conn);
	void (*freeCancel)(PGcancel *cancel);
	int (*cancel)(PGcancel *cancel, char *errbuf, int errbufsize);
	char *(*db)(const PGconn *conn);
	char *(*user)(const PGconn *conn);
	char *(*host)(const PGconn *conn);
	char *(*port)(const PGconn *conn);
	int (*serverVersion)(const PGconn *conn);
	PQnoticeProcessor (*setNoticeProcessor)(PGconn *conn, PQnoticeProcessor proc, void *arg);
	PQconninfoOption *(*conninfoParse)(const char *conninfo, char **errmsg);
	void (*conninfoFree)(PQconninfoOption *opts);
	PGPing (*pingParams)(const char *const *keywords, const char *const *values, int expand_dbname);
	int (*libVersion)(void);
	int (*putCopyEnd)(PGconn *conn, const char *errormsg);
	int (*getCopyData)(PGconn *conn, char **buffer, int async);
	char *(*escapeLiteral)(PGconn *conn, const char *str, size_t len);
	int (*socket)(const PGconn *conn);
	int (*backendPID)(const PGconn *conn);
} pgm_pq_api;

#endif
