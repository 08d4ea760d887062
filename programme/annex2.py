"""Annex 2 (附件2 提升行动区域试点自评报告参考提纲): the six sections and their subsections.

Each leaf of the outline is one text field of ``PilotFiling``; a section without subsections is a leaf
itself. The guidance text is the annex's own wording, shown above the editor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TITLE = "提升行动区域试点自评报告"


@dataclass(frozen=True)
class Subsection:
    key: str
    title: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    guidance: str
    subsections: tuple[Subsection, ...] = field(default_factory=tuple)

    def leaves(self) -> tuple[Subsection, ...]:
        return self.subsections or (Subsection(self.key, self.title),)


OUTLINE: tuple[Section, ...] = (
    Section(
        "background", "一、背景需求",
        "阐述区域试点的产业背景和需求，重点评估试点区域产业质量提升需求，区域产业共性质量“痛点”的梳理情况。",
        (
            Subsection("background_industry", "（一）试点区域产业基本情况"),
            Subsection("background_needs", "（二）区域产业质量提升主要需求分析"),
            Subsection("background_pain_points", "（三）区域产业共性质量“痛点”梳理"),
        ),
    ),
    Section("measures", "二、工作举措",
            "重点评估试点单位在组织发动、组织保障、帮扶政策、帮扶手段和培训宣传等方面的重要举措和创新做法。分条阐述。"),
    Section("results", "三、试点成效",
            "参考附件1，重点评估试点工作在梳理解决产业共性质量管理问题、促进区域产业发展、区域试点成效推广、"
            "服务经济社会发展等方面的工作成效。分条阐述。"),
    Section(
        "experience", "四、经验模式", "评估区域试点工作的亮点、典型经验和创新模式。",
        (
            Subsection("experience_highlights", "（一）工作亮点"),
            Subsection("experience_models", "（二）帮扶模式"),
            Subsection("experience_typical", "（三）典型经验"),
        ),
    ),
    Section("problems", "五、存在问题", "评估当前区域试点工作存在的主要问题和面临的风险挑战。"),
    Section("next_steps", "六、下一步工作计划及建议", ""),
)


def leaf_keys() -> list[str]:
    return [leaf.key for section in OUTLINE for leaf in section.leaves()]


def section_of(key: str) -> Section | None:
    for section in OUTLINE:
        if key == section.key or key in {leaf.key for leaf in section.leaves()}:
            return section
    return None
