"""The FAQ's province facts, written out independently of data/provinces.yml."""

ALL_PROVINCES = [
    "beijing", "tianjin", "hebei", "shanxi", "inner_mongolia", "liaoning", "jilin",
    "heilongjiang", "shanghai", "jiangsu", "zhejiang", "anhui", "fujian", "jiangxi",
    "shandong", "henan", "hubei", "hunan", "guangdong", "guangxi", "hainan", "chongqing",
    "sichuan", "guizhou", "yunnan", "tibet", "shaanxi", "gansu", "qinghai", "ningxia",
    "xinjiang",
]
APP_UPLOAD = {"guangdong", "chongqing", "liaoning", "anhui", "fujian"}
FINGERPRINT = {"jiangxi", "xinjiang"}
DECLARATION = {"guangdong"}
ONE_FORM = {"inner_mongolia", "heilongjiang", "xinjiang", "hainan", "sichuan", "chongqing"}
WIDENED_FORM = {"jiangxi", "gansu", "hunan"}
