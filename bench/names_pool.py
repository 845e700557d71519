"""Name pools for synthetic patients: Canadian variety, accents included, family names shared."""

GIVEN_FEMALE = """
Olivia Emma Charlotte Amelia Ava Sophia Chloé Léa Zoé Élodie Émilie Noémie Anaïs Gaëlle Hélène Renée Inès
Maëlle Mégane Camille Juliette Florence Rosalie Béatrice Geneviève Mélanie Josée Sarah Hannah Grace Lily
Maya Aisha Fatima Zainab Mariam Priya Ananya Aaradhya Simran Harpreet Gurleen Mei Xin Yu Jia Hui Ling
Min-ji Seo-yeon Ji-woo Thi Linh Ngọc Anh Hương Maria Ana Sofía Lucía Valentina Isabela Gabriela Ximena
Siobhán Aoife Niamh Saoirse Ingrid Astrid Björg Zoë Chiara Giulia Francesca Aleksandra Zofia Katarzyna
Olena Oksana Nadia Yasmin Leila Noor Amira Ayesha Elizabeth Margaret Catherine Victoria Abigail Madison
Kayla Brooklyn Jessica Jennifer Ashley Emily Nicole Stephanie Rebecca Laura Amanda Samantha Rachel
Megan Danielle Natalie Alexandra Kimberly Michelle Heather Tiffany Crystal Amber Erin Kelsey Paige
""".split()

GIVEN_MALE = """
Liam Noah William Benjamin Lucas Oliver Jacob Ethan Logan Nathan Félix Mathéo Léo Théo Éric Jérôme
François André Benoît Stéphane Frédéric Sébastien Maxime Gabriel Raphaël Étienne Olivier Louis Antoine
Mohammed Ahmed Omar Ali Yusuf Ibrahim Hassan Arjun Rohan Aarav Vihaan Gurpreet Harjit Manpreet Rajesh
Wei Jun Hao Ming Jian Zhi Hiroshi Kenji Min-jun Seo-jun Ji-ho Minh Quang Đức Tuấn José Juan Carlos
Mateo Santiago Diego Alejandro João Tiago Rúben Seán Ciarán Pádraig Lars Søren Bjørn Jürgen Lukas
Matteo Alessandro Giuseppe Piotr Mikołaj Tomasz Oleksandr Dmytro Andriy Kwame Kofi Chinedu Emeka
James John Robert Michael David Richard Joseph Thomas Christopher Daniel Matthew Anthony Mark Steven
Andrew Joshua Kevin Brian Ryan Tyler Brandon Justin Dylan Connor Hunter Owen Carter Wyatt Caleb
""".split()

# Roughly in order of frequency: the first ones are shared by many patients.
FAMILY = """
Tremblay Smith Gagnon Roy Côté Bouchard Gauthier Morin Lavoie Fortin Gagné Ouellet Pelletier Bélanger
Lévesque Bergeron Leblanc Paquette Girard Simard Boucher Caron Beaulieu Cloutier Dubé Poirier Fournier
Lapointe Leclerc Lefebvre Brown Wilson Taylor Campbell Anderson Jones Williams Johnson MacDonald Martin
Thompson White Stewart Scott Young Clark Walker Robinson Wright Mitchell Murphy Kelly O'Brien O’Neil
Singh Kaur Patel Sharma Gill Sandhu Dhillon Sidhu Grewal Chahal Khan Ahmed Hussain Ali Rahman Chowdhury
Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Lin Lam Wong Chan Leung Cheung Ho Ng Tang
Kim Lee Park Choi Jung Kang Cho Yoon Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ
García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres Flores Rivera Gómez
Díaz Reyes Morales Jiménez Álvarez Romero Silva Santos Oliveira Sousa Ferreira Gonçalves Costa
Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schäfer Koch Hoffmann Schröder Bauer
Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti De Luca
Kowalski Nowak Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak
Kovalenko Bondarenko Tkachenko Shevchenko Kravchenko Melnyk Boyko Petrenko Ivanov Smirnov Popov
Haddad Khoury Nasser Saleh Mansour Abdallah Ibrahim Aziz Farah Hamdan Okafor Mensah Asante Boateng
Nakamura Tanaka Watanabe Suzuki Takahashi Sato Ito Yamamoto Kobayashi Saito Hashimoto Ishikawa
Johansson Andersson Karlsson Nilsson Eriksson Larsson Olsen Hansen Jensen Nielsen Sørensen Lindqvist
D'Amours Saint-Pierre Desjardins Beauchamp Thériault Bérubé Lachance Poulin Vaillancourt Desrosiers
""".split()

NICKNAMES = {
    "Elizabeth": "Liz", "Margaret": "Maggie", "Catherine": "Kate", "Alexandra": "Alex", "Victoria": "Vicky",
    "William": "Bill", "Robert": "Bob", "Michael": "Mike", "Christopher": "Chris", "Benjamin": "Ben",
    "Alessandro": "Sandro", "Jennifer": "Jen", "Samantha": "Sam", "Nathan": "Nate", "Matthew": "Matt",
    "Joseph": "Joe", "Daniel": "Dan", "Anthony": "Tony", "Stéphane": "Steph", "Frédéric": "Fred",
    "Gabriel": "Gabe", "Oleksandr": "Sasha", "Mohammed": "Mo", "Joshua": "Josh", "Rebecca": "Becky",
}

EMAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.ca", "hotmail.com", "icloud.com", "videotron.ca",
                 "sympatico.ca", "shaw.ca", "telus.net", "proton.me"]

# Area codes by province (all valid Canadian numbers for phonenumbers).
AREA_CODES = {
    "ON": [416, 647, 437, 905, 289, 365, 613, 343, 705, 249, 519, 226, 548, 807],
    "QC": [514, 438, 450, 579, 418, 581, 819, 873],
    "BC": [604, 778, 236, 250, 672],
    "AB": [403, 587, 780, 825, 368],
    "MB": [204, 431],
    "SK": [306, 639],
    "NS": [902, 782],
    "NB": [506],
    "NL": [709],
    "PE": [902],
    "YT": [867],
    "NT": [867],
    "NU": [867],
}

# Share of a Canadian clinic network's patients living in each province.
PROVINCE_WEIGHTS = {
    "ON": 46, "QC": 20, "BC": 12, "AB": 9, "MB": 3, "SK": 3, "NS": 3, "NB": 2, "NL": 1, "PE": 0.5,
    "YT": 0.2, "NT": 0.2, "NU": 0.1,
}

UAE_MOBILE_PREFIXES = ["50", "52", "54", "55", "56", "58"]
