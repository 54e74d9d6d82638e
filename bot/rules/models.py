"""SQL schema of the province rules store and the vocabulary it may contain."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import declarative_base, relationship

# The 31 mainland provincial-level divisions, in the conventional administrative order.
PROVINCE_KEYS: tuple[str, ...] = (
    "beijing",
    "tianjin",
    "hebei",
    "shanxi",
    "inner_mongolia",
    "liaoning",
    "jilin",
    "heilongjiang",
    "shanghai",
    "jiangsu",
    "zhejiang",
    "anhui",
    "fujian",
    "jiangxi",
    "shandong",
    "henan",
    "hubei",
    "hunan",
    "guangdong",
    "guangxi",
    "hainan",
    "chongqing",
    "sichuan",
    "guizhou",
    "yunnan",
    "tibet",
    "shaanxi",
    "gansu",
    "qinghai",
    "ningxia",
    "xinjiang",
)

PROVINCE_KINDS: tuple[str, ...] = ("province", "municipality", "autonomous_region")

# Rule values, named once: the loader accepts only these, and bot.core.tailoring maps each to
# the response that answers it (the loader refuses a value no response handles).
APP_UPLOAD_AVAILABLE = "available"
APP_UPLOAD_TO_BE_DETERMINED = "to_be_determined"
SIGN = "sign"
SIGN_WITH_FINGERPRINT = "sign_with_fingerprint"
SIGN_WITH_DECLARATION = "sign_with_declaration"
OFFICIAL_SEAL = "official_seal"
SINGLE_FORM = "single_form"
WIDENED_FORM = "widened_form"
ATTACH_LIST = "attach_list"

# Rule topic -> allowed values. Every province must state every topic.
RULE_VALUES: dict[str, tuple[str, ...]] = {
    "app_upload": (APP_UPLOAD_AVAILABLE, APP_UPLOAD_TO_BE_DETERMINED),
    "individual_signing": (SIGN, SIGN_WITH_FINGERPRINT, SIGN_WITH_DECLARATION),
    "organization_signing": (OFFICIAL_SEAL,),
    "multi_domain": (SINGLE_FORM, WIDENED_FORM, ATTACH_LIST),
}
RULE_TOPICS: tuple[str, ...] = tuple(RULE_VALUES)

# Meta key of the date (ISO ``YYYY-MM-DD``) the stored rules are valid as of: the top-level
# ``valid_as_of`` of data/provinces.yml, i.e. when the rules were last checked against the FAQ.
VALID_AS_OF_META_KEY = "valid_as_of"

Base = declarative_base()


class Province(Base):
    __tablename__ = "provinces"

    id = Column(Integer, primary_key=True)
    key = Column(String(32), nullable=False, unique=True)
    name_en = Column(String(64), nullable=False)
    name_zh = Column(String(32), nullable=False)
    pinyin = Column(String(64), nullable=False)
    kind = Column(String(32), nullable=False)

    aliases = relationship(
        "ProvinceAlias",
        back_populates="province",
        cascade="all, delete-orphan",
        order_by="ProvinceAlias.id",
    )
    rules = relationship(
        "ProvinceRule",
        back_populates="province",
        cascade="all, delete-orphan",
        order_by="ProvinceRule.id",
    )


class ProvinceAlias(Base):
    __tablename__ = "province_aliases"

    id = Column(Integer, primary_key=True)
    province_id = Column(
        Integer, ForeignKey("provinces.id", ondelete="CASCADE"), nullable=False, index=True
    )
    alias = Column(String(128), nullable=False, unique=True)

    province = relationship("Province", back_populates="aliases")


class ProvinceRule(Base):
    __tablename__ = "province_rules"
    __table_args__ = (UniqueConstraint("province_id", "topic"),)

    id = Column(Integer, primary_key=True)
    province_id = Column(Integer, ForeignKey("provinces.id", ondelete="CASCADE"), nullable=False)
    topic = Column(String(32), nullable=False)
    value = Column(String(64), nullable=False)
    source = Column(String(255), nullable=False)

    province = relationship("Province", back_populates="rules")


class Meta(Base):
    """Key/value facts about the store itself.

    Holds the hash of the YAML file last loaded and the date its rules are valid as of
    (:data:`VALID_AS_OF_META_KEY`).
    """

    __tablename__ = "meta"

    key = Column(String(64), primary_key=True)
    value = Column(String(255), nullable=False)
