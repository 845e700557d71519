# Canadian French: "15 mars 1984", "15 mars 1984, 14 h 00"; never the ambiguous 15/03/1984 (nor
# Django's abbreviations, where "jui." is both June and July).
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = r"j F Y, H \h i"
TIME_FORMAT = r"H \h i"
SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = r"j F Y, H \h i"
FIRST_DAY_OF_WEEK = 0  # Sunday
