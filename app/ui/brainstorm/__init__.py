"""The brainstorm screen: an ML problem framed, ideas collected, critiqued and planned."""

from app.ui.brainstorm.picker import brainstorm_menu
from app.ui.brainstorm.screen import BrainstormScreen

__all__ = ["BrainstormScreen", "brainstorm_menu"]
