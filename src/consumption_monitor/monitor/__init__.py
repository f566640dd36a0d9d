"""Near-real-time monitoring (日监测): the daily layer, the holiday monitor (METHODOLOGY §4),
anomaly detection, alert rules and delivery, privacy protection and policy annotations.

>>> from consumption_monitor.monitor import holiday_growth
>>> round(holiday_growth(90.0, 9, 80.0, 8), 6)
0.0
"""

from consumption_monitor.monitor.alerts import (
    AlertHit,
    AlertOut,
    AlertRule,
    AlertService,
    RuleSet,
    default_rules,
    evaluate_rules,
    load_rules,
    parse_condition,
)
from consumption_monitor.monitor.annotations import (
    AnnotationIn,
    AnnotationOut,
    Readout,
    add_annotation,
    annotation_readout,
    list_annotations,
    lunar_same_day_last_year,
    readout,
)
from consumption_monitor.monitor.anomaly import (
    Detection,
    DetectParams,
    detect,
    detect_series,
    feed_gaps,
    robust_baseline,
    series_metrics,
)
from consumption_monitor.monitor.checks import CheckResult, load_monitor_data, run_checks
from consumption_monitor.monitor.daily import (
    DailyReport,
    NightWindow,
    card_daily_expr,
    daily_report,
    ke_daily_expr,
)
from consumption_monitor.monitor.delivery import (
    DeliveryError,
    SmtpChannel,
    WebhookChannel,
    build_channel,
)
from consumption_monitor.monitor.holiday import (
    HolidayComparison,
    HolidayFigure,
    compare_blocks,
    flash_report,
    holiday_growth,
    holiday_report,
    matched_panel,
)
from consumption_monitor.monitor.privacy import complementary_suppression, primary_mask, suppress

__all__ = [
    "AlertHit",
    "AlertOut",
    "AlertRule",
    "AlertService",
    "AnnotationIn",
    "AnnotationOut",
    "CheckResult",
    "DailyReport",
    "DeliveryError",
    "DetectParams",
    "Detection",
    "HolidayComparison",
    "HolidayFigure",
    "NightWindow",
    "Readout",
    "RuleSet",
    "SmtpChannel",
    "WebhookChannel",
    "add_annotation",
    "annotation_readout",
    "build_channel",
    "card_daily_expr",
    "compare_blocks",
    "complementary_suppression",
    "daily_report",
    "default_rules",
    "detect",
    "detect_series",
    "evaluate_rules",
    "feed_gaps",
    "flash_report",
    "holiday_growth",
    "holiday_report",
    "ke_daily_expr",
    "list_annotations",
    "load_monitor_data",
    "load_rules",
    "lunar_same_day_last_year",
    "matched_panel",
    "parse_condition",
    "primary_mask",
    "readout",
    "robust_baseline",
    "run_checks",
    "series_metrics",
    "suppress",
]
