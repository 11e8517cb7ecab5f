/*
 * json/time.c - ISO-8601 UTC times read back into ms since the epoch (the
 * writing side is orders__iso8601 in json/event.c).
 */
#include <string.h>

#include "json.h"

/* The n digits at s as a number, or -1 when one of them is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* ".sss" (1 to 9 digits) at *p, advanced past it, as ms; 0 when there is
 * no '.'; -1 when the '.' has no digits or too many. */
static int fraction_ms(const char **p)
{
    const char *s = *p;
    if (*s != '.')
        return 0;
    int n = 0, ms = 0;
    for (s++; *s >= '0' && *s <= '9'; s++, n++)
        if (n < 3)
            ms = ms * 10 + (*s - '0');
    if (n < 1 || n > 9)
        return -1;
    for (int i = n; i < 3; i++)
        ms *= 10;
    *p = s;
    return ms;
}

/* "Z", "+hh:mm" or "-hh:mm" ending the string, as minutes east of UTC into
 * *minutes; false for anything else. */
static bool zone(const char *s, int *minutes)
{
    if (s[0] == 'Z' && s[1] == '\0') {
        *minutes = 0;
        return true;
    }
    if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 || s[3] != ':')
        return false;
    int h = digits(s + 1, 2), m = digits(s + 4, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59)
        return false;
    *minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
    return true;
}

bool orders__iso8601_parse(const char *s, int64_t *ms)
{
    /* YYYY-MM-DDTHH:MM:SS is 19 characters, then fraction and zone */
    if (s == NULL || strnlen(s, 19) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
        s[13] != ':' || s[16] != ':')
        return false;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || sec < 0 || sec > 59)
        return false;
    const char *rest = s + 19;
    int frac = fraction_ms(&rest), offset = 0;
    if (frac < 0 || !zone(rest, &offset))
        return false;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset * 60;
    *ms = secs * 1000 + frac;
    return true;
}

/* Year, month (1-12) and day of days since 1970-01-01 (proleptic
 * Gregorian; the inverse of the usual days-from-civil).  Pure arithmetic:
 * gmtime_r takes glibc's time-zone lock, which the server's threads then
 * queue on, once for every date of every answer. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                  /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);           /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                /* [0, 11] */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static char *put_digits(char *p, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + width;
}

bool orders__iso8601(int64_t ms, char *buf, size_t len)
{
    int64_t secs = ms / 1000, millis = ms % 1000;
    if (millis < 0)
        millis += 1000, secs -= 1;
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0)
        rem += 86400, days -= 1;
    int64_t year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    if (year < 0 || year > 9999 || len < 25)
        return false;
    /* 2023-01-01T00:00:00.000Z */
    char *p = put_digits(buf, year, 4);
    *p++ = '-';
    p = put_digits(p, month, 2);
    *p++ = '-';
    p = put_digits(p, day, 2);
    *p++ = 'T';
    p = put_digits(p, rem / 3600, 2);
    *p++ = ':';
    p = put_digits(p, rem / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, rem % 60, 2);
    *p++ = '.';
    p = put_digits(p, millis, 3);
    *p++ = 'Z';
    *p = '\0';
    return true;
}
