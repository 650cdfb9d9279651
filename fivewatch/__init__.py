"""fivewatch"""
