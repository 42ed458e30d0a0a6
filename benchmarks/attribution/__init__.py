"""Attribution: captum's methods beside MADEX and ArchAttribute, cost and agreement."""
